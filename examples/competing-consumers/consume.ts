/**
 * The worker's loop, written against the two services it needs and nothing else (no process, no DynamoDB): the
 * records of the Agent partition, and the locker of the Lock partition.
 *
 * Each pass lists the records, stalest first, and takes the first one whose lock is free (`wait: false`: a
 * competing consumer moves on to other work rather than queueing behind a busy record). Under the lock it reads
 * the record, works, and commits with `atomicPut` on the version it read; the lock is released when the job's
 * scope closes, whatever happened.
 */
import { Duration, Effect, Either, Random } from "effect"
import type { InvalidInput, KeyNotFound, Locker, SchemaStore, StoreError } from "@dynalock/core"
import { Abandoned, Committed, Locked } from "./events.js"
import type { WorkerEvent } from "./events.js"
import { machineMillis } from "./machineClock.js"
import type { WorkerSettings } from "./settings.js"
import { lastWorked, prefix } from "./WorkRecord.js"
import type { WorkRecord } from "./WorkRecord.js"

/** What a worker works with. */
export interface Consumer {
  readonly worker: string
  /** The Agent partition, typed. */
  readonly records: SchemaStore<WorkRecord>
  /** The locker of the Lock partition. */
  readonly locker: Locker["Type"]
  readonly settings: WorkerSettings
  readonly emit: (event: WorkerEvent) => Effect.Effect<void>
  /** True once the worker was asked to stop: it finishes the current job, then stops. */
  readonly stopping: Effect.Effect<boolean>
}

const randomWork = (settings: WorkerSettings) =>
  Effect.map(
    Random.nextIntBetween(Duration.toMillis(settings.workMin), Duration.toMillis(settings.workMax) + 1),
    Duration.millis
  )

/**
 * One job on `key` if its lock is free; fails with `AcquireCancelled` if another worker holds it. Succeeds with
 * true when the job was committed.
 */
export const jobOn = (consumer: Consumer, key: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { emit, records, worker } = consumer
      const lock = yield* consumer.locker.acquire(key, { ttl: consumer.settings.ttl, wait: false, value: worker })
      const fence = lock.fencingToken
      const start = yield* machineMillis
      // Read under the lock: anything read before taking it may be stale already.
      const current = yield* records.get(key)
      yield* emit(new Locked({ worker, record: key, fence, version: current.version, at: start }))
      const abandon = (reason: string) =>
        Effect.flatMap(machineMillis, (at) => emit(new Abandoned({ worker, record: key, fence, reason, at }))).pipe(
          Effect.as(false)
        )

      // The record is the protected resource: it refuses work under a token older than one it has seen.
      if (current.value.lastFence >= fence)
        return yield* abandon(`stale fencing token (record has seen ${current.value.lastFence})`)

      const job = Effect.gen(function* () {
        yield* Effect.sleep(yield* randomWork(consumer.settings))
        const end = yield* machineMillis
        const next: WorkRecord = { jobs: [...current.value.jobs, { worker, fence, start, end }], lastFence: fence }
        return yield* Effect.either(records.atomicPut(key, next, { previous: current }))
      })
      // As `withLock` does: should the lease be lost, the job is interrupted, wherever it is.
      const outcome = yield* Effect.either(Effect.raceFirst(job, lock.lost))
      if (Either.isLeft(outcome)) return yield* abandon(`lock lost (${outcome.left.reason})`)
      const written = outcome.right
      if (Either.isLeft(written)) return yield* abandon(`record refused the write (${written.left._tag})`)
      const at = yield* machineMillis
      yield* emit(
        new Committed({
          worker,
          record: key,
          fence,
          version: written.right.version,
          jobs: written.right.value.jobs.length,
          at
        })
      )
      return true
    })
  )

/** One pass over the records, stalest first, ending with the first job taken. */
const pass = (
  consumer: Consumer
): Effect.Effect<"committed" | "abandoned" | "idle", StoreError | InvalidInput | KeyNotFound> =>
  Effect.gen(function* () {
    const listed = yield* consumer.records.list(prefix)
    // Ties (records never worked on) in random order, so that workers do not all queue on the first one.
    const shuffled = yield* Random.shuffle(listed)
    const stalestFirst = Array.from(shuffled).sort((a, b) => lastWorked(a.value) - lastWorked(b.value))
    for (const record of stalestFirst) {
      const done = yield* jobOn(consumer, record.key).pipe(
        Effect.catchTag("AcquireCancelled", () => Effect.succeed(undefined))
      )
      if (done !== undefined) return done ? "committed" : "abandoned"
    }
    return "idle"
  })

/** Works until asked to stop; returns how many jobs it committed. */
export const consume = (consumer: Consumer): Effect.Effect<number> =>
  Effect.gen(function* () {
    let jobs = 0
    while (!(yield* consumer.stopping)) {
      const outcome = yield* pass(consumer).pipe(
        // A store that is briefly unavailable (or a record that vanished) costs a pass, not the worker.
        Effect.catchAll((error) =>
          Effect.as(Effect.logWarning(`${consumer.worker}: pass failed: ${error.message}`), "idle" as const)
        )
      )
      if (outcome === "committed") jobs++
      if (outcome === "idle") yield* Effect.sleep(consumer.settings.idle)
    }
    return jobs
  })
