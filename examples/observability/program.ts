/**
 * The observability example's story: workers, each with its own client (its own process, in production), contend
 * for a lock and a semaphore for a few seconds while OpenTelemetry's tracer is installed; then the example prints
 * what dynalock reported about it, its `dynalock_*` metrics and its spans.
 *
 * 1. Take turns: every worker, several times, increments a shared counter under `withLock("jobs/nightly-report")`.
 *    The waits show in `dynalock_lock_wait_milliseconds`; the counter ends at workers × rounds because the lock excluded.
 * 2. Impatient waiters: w1 holds `jobs/rebuild-index`; w2's `tryAcquire` finds it held, w3 gives up after a third of
 *    the hold (a `timeout`, and its place in line withdrawn), w2 waits and gets it when w1 lets go.
 * 3. A semaphore of 2 permits: w1 and w2 hold one each; one of w3's fibers gives up, the other gets a permit.
 * 4. A lost lease: w1 holds `jobs/migrate` for a long job; an operator breaks the lock (`forceRelease`), and w1
 *    learns it at its next renewal: `withLock` interrupts the job with `LockLost { reason: "Vanished" }`.
 */
import { Clock, Console, Deferred, Duration, Effect, Either, Fiber, Option } from "effect"
import type { Scope } from "effect"
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import type { AcquireCancelled, InvalidInput, KeyNotFound, LockLost, StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import * as Timeline from "../shared/timeline.js"
import * as MetricsReport from "./metricsReport.js"
import * as SpanTree from "./spanTree.js"
import * as Tracing from "./tracing.js"

/** The shape of the run. */
export interface Settings {
  /** Workers, each with its own client; the story needs at least 3. */
  readonly workers: number
  /** Turns each worker takes at the shared lock in step 1. */
  readonly rounds: number
  /** One turn's work under the lock. */
  readonly work: Duration.Duration
  /** How long the holders of steps 2 and 3 keep the lock and the permits. Impatient waiters give up after a third. */
  readonly hold: Duration.Duration
  /** Every lease, renewed every third of it. */
  readonly ttl: Duration.Duration
}

/** What the workers saw. */
export interface Story {
  /** The shared counter after step 1. */
  readonly turns: number
  /** Step 2: w2's `tryAcquire` found the lock held. */
  readonly foundHeld: boolean
  /** Steps 2 and 3: how each waiter's acquisition ended (`acquired`, or the error's tag and reason). */
  readonly lockWaiters: { readonly impatient: string; readonly patient: string }
  readonly permitWaiters: { readonly impatient: string; readonly patient: string }
  /** Step 4: what `forceRelease` answered, and how the holder's job ended. */
  readonly broken: boolean
  readonly migration: string
  /** From the break to the holder's `LockLost`. */
  readonly lossNoticedAfter: Duration.Duration
}

/** The story, and what dynalock reported about it. */
export interface Result {
  readonly story: Story
  /** Every `dynalock_*` metric of the process, by tags. */
  readonly metrics: ReadonlyArray<MetricsReport.MetricRow>
  /** Every span that ended while the tracer was installed. */
  readonly spans: ReadonlyArray<ReadableSpan>
}

export type RunError = AcquireCancelled | LockLost | InvalidInput | StoreError | KeyNotFound

export const keys = {
  turns: "jobs/nightly-report",
  impatience: "jobs/rebuild-index",
  pool: "pool/exports",
  migrate: "jobs/migrate"
}

/** The semaphore's limit in step 3. */
export const permits = 2

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** How an acquisition (or the job under it) ended, in a word or two. */
const outcome = <E extends { readonly _tag: string; readonly reason?: string }>(
  result: Either.Either<unknown, E>
): string =>
  Either.match(result, {
    onRight: () => "acquired",
    onLeft: (error) => (error.reason === undefined ? error._tag : `${error._tag} (${error.reason})`)
  })

/** A worker's client, on the example's partition. */
const client = (table: DemoTable.DemoTable) => DynamoStore.make(DemoTable.storeOptions(table, "Observability"))

const tell = (table: DemoTable.DemoTable, settings: Settings): Effect.Effect<Story, RunError, Scope.Scope> =>
  Effect.gen(function* () {
    const { hold, rounds, work, workers } = settings
    const lease = { ttl: settings.ttl }
    const impatience = Duration.divide(hold, 3).pipe(Option.getOrElse(() => hold))
    const patience = Duration.times(hold, 10)
    const [clients, operator] = yield* Effect.all([
      Effect.forEach(range(workers), () => client(table)),
      client(table)
    ]).pipe(Effect.withSpan("0. clients"))
    const [w1, w2, w3] = [clients[0]!, clients[1]!, clients[2]!]
    const say = yield* Timeline.start

    yield* say(
      `1. take turns: ${workers} workers × ${rounds} turns of ${Duration.format(work)} under withLock("${keys.turns}")`
    )
    const turns = yield* Effect.gen(function* () {
      yield* w1.store.put("turns", "0")
      yield* Effect.forEach(
        clients,
        ({ locker, store }, w) =>
          Effect.forEach(
            range(rounds),
            () =>
              locker.withLock(
                keys.turns,
                lease
              )(
                Effect.gen(function* () {
                  const before = Number(text((yield* store.get("turns")).value))
                  yield* Effect.sleep(work)
                  yield* store.put("turns", String(before + 1))
                })
              ),
            { discard: true }
          ).pipe(Effect.withSpan(`worker w${w + 1}`)),
        { concurrency: "unbounded", discard: true }
      )
      return Number(text((yield* w1.store.get("turns")).value))
    }).pipe(Effect.withSpan("1. take turns"))
    yield* say(`   the counter reads ${turns}: ${workers * rounds} turns, none lost`)

    yield* say(`2. impatient waiters: w1 holds "${keys.impatience}" for ${Duration.format(hold)}`)
    const step2 = yield* Effect.scoped(
      Effect.gen(function* () {
        const lock = yield* w1.locker.acquire(keys.impatience, lease)
        const foundHeld = Option.isNone(yield* Effect.scoped(w2.locker.tryAcquire(keys.impatience, lease)))
        yield* say(`   w2 tryAcquire: ${foundHeld ? "held" : "free"}`)
        const impatient = yield* Effect.fork(
          Effect.either(Effect.scoped(w3.locker.acquire(keys.impatience, { ...lease, timeout: impatience })))
        )
        const asked = yield* Clock.currentTimeMillis
        // Answers when it got the lock, then holds it for a turn's work.
        const patient = yield* Effect.fork(
          w2.locker.acquire(keys.impatience, { ...lease, timeout: patience }).pipe(
            Effect.zipRight(Clock.currentTimeMillis),
            Effect.tap(() => Effect.sleep(work)),
            Effect.scoped,
            Effect.either
          )
        )
        const gaveUp = yield* Fiber.join(impatient)
        yield* say(`   w3 waits at most ${Duration.format(impatience)}: ${outcome(gaveUp)}`)
        yield* Effect.sleep(hold)
        yield* lock.release
        yield* say(`   w1 releases`)
        const gotIt = yield* Fiber.join(patient)
        const waited = Either.match(gotIt, {
          onLeft: () => "",
          onRight: (at) => ` after ${Duration.format(Duration.millis(at - asked))}`
        })
        yield* say(`   w2 waits: ${outcome(gotIt)}${waited}`)
        return { foundHeld, lockWaiters: { impatient: outcome(gaveUp), patient: outcome(gotIt) } }
      })
    ).pipe(Effect.withSpan("2. impatient waiters"))

    yield* say(`3. semaphore("${keys.pool}", ${permits}): w1 and w2 hold a permit each for ${Duration.format(hold)}`)
    const permitWaiters = yield* Effect.gen(function* () {
      const holders = yield* Effect.forEach([w1, w2], ({ locker }) =>
        Effect.flatMap(Deferred.make<void>(), (inside) =>
          Effect.map(
            Effect.fork(
              locker.semaphore(keys.pool, permits).withPermits(1, lease)(
                Effect.zipRight(Deferred.succeed(inside, undefined), Effect.sleep(hold))
              )
            ),
            (fiber) => ({ fiber, inside })
          )
        )
      )
      yield* Effect.forEach(holders, ({ inside }) => Deferred.await(inside), { discard: true })
      const pool = w3.locker.semaphore(keys.pool, permits)
      const [impatient, patient] = yield* Effect.all(
        [
          Effect.either(pool.withPermits(1, { ...lease, timeout: impatience })(Effect.void)),
          Effect.either(pool.withPermits(1, { ...lease, timeout: patience })(Effect.sleep(work)))
        ],
        { concurrency: "unbounded" }
      )
      yield* Effect.forEach(holders, ({ fiber }) => Fiber.join(fiber), { discard: true })
      yield* say(
        `   w3's first fiber waits at most ${Duration.format(impatience)}: ${outcome(impatient)}; its second waits: ${outcome(patient)}`
      )
      return { impatient: outcome(impatient), patient: outcome(patient) }
    }).pipe(Effect.withSpan("3. semaphore"))

    yield* say(`4. a lost lease: w1 holds "${keys.migrate}" (ttl ${Duration.format(settings.ttl)}) for a long job`)
    const { broken, lossNoticedAfter, migration } = yield* Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const job = yield* Effect.fork(
        Effect.either(
          w1.locker.withLock(
            keys.migrate,
            lease
          )(Effect.zipRight(Deferred.succeed(started, undefined), Effect.sleep(Duration.times(settings.ttl, 100))))
        )
      )
      yield* Deferred.await(started)
      // Past the first renewal: the holder is alive and renewing when its lock is broken.
      yield* Effect.sleep(Duration.divide(settings.ttl, 2).pipe(Option.getOrElse(() => settings.ttl)))
      const broken = yield* operator.locker.forceRelease(keys.migrate)
      const brokeAt = yield* Clock.currentTimeMillis
      yield* say(`   an operator breaks the lock: forceRelease answered ${broken}`)
      const ended = yield* Fiber.join(job)
      const lossNoticedAfter = Duration.millis((yield* Clock.currentTimeMillis) - brokeAt)
      yield* say(`   w1's job ended ${Duration.format(lossNoticedAfter)} later: ${outcome(ended)}`)
      return { broken, lossNoticedAfter, migration: outcome(ended) }
    }).pipe(Effect.withSpan("4. a lost lease"))

    return { turns, ...step2, permitWaiters, broken, migration, lossNoticedAfter }
  })

/** Runs the story with OpenTelemetry's tracer installed, then prints what dynalock reported. */
export const run = (table: DemoTable.DemoTable, settings: Settings): Effect.Effect<Result, RunError> =>
  Effect.gen(function* () {
    yield* Console.log(`table: ${table.description}`)
    const exporter = new InMemorySpanExporter()
    // The spans are read before the tracer's layer closes: shutting the SDK down empties the in-memory exporter.
    const [story, spans] = yield* Effect.scoped(tell(table, settings)).pipe(
      Effect.zip(Effect.sync(() => [...exporter.getFinishedSpans()])),
      Effect.provide(Tracing.layer(exporter))
    )
    yield* Console.log(
      `\nSpans (${spans.length}, exported to OpenTelemetry; attributes a span's parent has are not repeated):\n` +
        SpanTree.format(SpanTree.build(spans)).join("\n")
    )
    const metrics = yield* MetricsReport.dynalockMetrics
    yield* Console.log(`\nMetrics (Metric.snapshot, the dynalock_* ones):\n${MetricsReport.format(metrics).join("\n")}`)
    return { story, metrics, spans }
  })

/** Whether the run went as the story tells it, and the exports show it. */
export const wentAsTold = (result: Result, settings: Settings): boolean => {
  const { story } = result
  return (
    story.turns === settings.workers * settings.rounds &&
    story.foundHeld &&
    story.lockWaiters.impatient === "AcquireCancelled (Timeout)" &&
    story.lockWaiters.patient === "acquired" &&
    story.permitWaiters.impatient === "AcquireCancelled (Timeout)" &&
    story.permitWaiters.patient === "acquired" &&
    story.broken &&
    story.migration === "LockLost (Vanished)" &&
    MetricsReport.counted(result.metrics, "dynalock_lock_losses_total", { kind: "lock", reason: "Vanished" }) >= 1 &&
    result.spans.some((span) => span.name === "Locker.acquire")
  )
}
