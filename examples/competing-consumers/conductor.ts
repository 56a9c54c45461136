/**
 * The demo's parent: it seeds the records, starts the worker processes, prints what they do as it happens,
 * kills one of them in the middle of a job, tells the others to stop, and judges the run.
 */
import { Console, Deferred, Duration, Effect, Fiber, Option, Stream } from "effect"
import type { Scope } from "effect"
import type { InvalidInput, StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import type { WorkerEvent } from "./events.js"
import * as LiveLog from "./liveLog.js"
import { machineMillis } from "./machineClock.js"
import { workerEnv } from "./settings.js"
import type { DemoSettings } from "./settings.js"
import type { Holding, Summary, Takeover } from "./verdict.js"
import { judge } from "./verdict.js"
import { spawnWorker } from "./workerProcess.js"
import type { Output, WorkerProcess } from "./workerProcess.js"
import { fresh, prefix, recordKey, WorkRecord } from "./WorkRecord.js"

/** How long worker processes may take to start: a cold TypeScript start on a busy machine takes seconds. */
const startup = Duration.seconds(60)

/** Runs the demo; the summary says whether every check passed. */
export const runDemo = (
  settings: DemoSettings,
  table: DemoTable.DemoTable
): Effect.Effect<Summary & { readonly elapsedMillis: number }, StoreError | InvalidInput, Scope.Scope> =>
  Effect.gen(function* () {
    const agents = (yield* DynamoStore.make(DemoTable.storeOptions(table, "Agent"))).store.forSchema(WorkRecord)

    // A fresh set of records (on a real table, a previous run may have left some behind).
    for (const old of yield* agents.list(prefix)) yield* agents.delete(old.key)
    const seedVersions = new Map<string, number>()
    for (let n = 1; n <= settings.records; n++) {
      const seeded = yield* agents.put(recordKey(n), fresh)
      seedVersions.set(seeded.key, seeded.version)
    }

    yield* Console.log(
      `dynalock competing consumers: ${settings.workers} worker processes, ${settings.records} records, ` +
        `lease ${Duration.format(settings.ttl)}, jobs of ${Duration.format(settings.workMin)} to ${Duration.format(settings.workMax)}`
    )
    yield* Console.log(`table: ${table.description}; records in partition "Agent", locks in partition "Lock"`)
    yield* Console.log(
      Option.match(settings.killAfter, {
        onNone: () => "no worker will be killed this time",
        onSome: (after) =>
          `after ${Duration.format(after)} the next worker to take a lock is killed with SIGKILL mid-job`
      })
    )

    const env = { ...table.childEnv, ...workerEnv(settings), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
    const workers: ReadonlyArray<WorkerProcess> = yield* Effect.forEach(
      Array.from({ length: settings.workers }, (_, i) => `w${i + 1}`),
      (name) => spawnWorker(name, env)
    )

    // What the live log has seen so far. Only the one fiber that handles events touches it.
    let t0 = 0
    let ready = 0
    const allReady = yield* Deferred.make<void>()
    const takenOver = yield* Deferred.make<void>()
    const open = new Map<string, Omit<Holding, "end" | "outcome">>()
    const holdings: Array<Holding> = []
    const held = new Map<string, string>()
    const commits = new Map<string, Array<{ worker: string; fence: bigint }>>()
    let killed: { worker: string; record: string; fence: bigint; at: number } | undefined
    let takeover: Takeover | undefined

    const close = (worker: string, end: number, outcome: Holding["outcome"]) => {
      const holding = open.get(worker)
      if (holding === undefined) return
      open.delete(worker)
      held.delete(holding.record)
      holdings.push({ ...holding, end, outcome })
    }

    const killNow = (event: Extract<WorkerEvent, { _tag: "Locked" }>) =>
      Effect.gen(function* () {
        const victim = workers.find((worker) => worker.name === event.worker)
        if (victim === undefined) return
        yield* victim.kill
        const at = yield* machineMillis
        killed = { worker: event.worker, record: event.record, fence: event.fence, at }
        close(event.worker, at, "killed")
        yield* Console.log(LiveLog.killed(at - t0, event.worker, event.record, event.fence))
      })

    const handle = (output: Output): Effect.Effect<void> =>
      Effect.gen(function* () {
        if (output._tag === "Text") return yield* Console.log(`        ${output.worker}: ${output.line}`)
        const event = output.event
        switch (event._tag) {
          case "Ready": {
            yield* Console.log(`        ${event.worker}  ready (pid ${event.pid})`)
            if (++ready === workers.length) yield* Deferred.succeed(allReady, undefined)
            return
          }
          case "Locked": {
            open.set(event.worker, { worker: event.worker, record: event.record, fence: event.fence, start: event.at })
            held.set(event.record, event.worker)
            let note = ""
            if (killed !== undefined && takeover === undefined && event.record === killed.record) {
              takeover = {
                record: event.record,
                from: killed.worker,
                by: event.worker,
                fenceBefore: killed.fence,
                fenceAfter: event.fence,
                afterKill: event.at - killed.at
              }
              note = LiveLog.takeover(killed.worker, takeover.afterKill)
              yield* Deferred.succeed(takenOver, undefined)
            }
            yield* Console.log(LiveLog.locked(event, t0, held, note))
            const due = Option.exists(settings.killAfter, (after) => event.at - t0 >= Duration.toMillis(after))
            // Mid-job for sure: a job works at least `workMin` after taking its lock before it can commit. Should
            // this event have been read too late for that (a busy machine), the next one will do.
            const midJob = (yield* machineMillis) < event.at + Duration.toMillis(settings.workMin) - 5
            if (due && midJob && killed === undefined) yield* killNow(event)
            return
          }
          case "Committed": {
            const start = open.get(event.worker)?.start ?? event.at
            close(event.worker, event.at, "committed")
            commits.set(event.record, [
              ...(commits.get(event.record) ?? []),
              { worker: event.worker, fence: event.fence }
            ])
            return yield* Console.log(LiveLog.committed(event, t0, event.at - start))
          }
          case "Abandoned": {
            close(event.worker, event.at, "abandoned")
            return yield* Console.log(LiveLog.abandoned(event, t0))
          }
          case "Stopped":
            return yield* Console.log(`        ${event.worker}  stopped after ${event.jobs} jobs`)
        }
      })

    const logging = yield* Stream.mergeAll(
      workers.map((worker) => worker.output),
      { concurrency: "unbounded" }
    ).pipe(Stream.runForEach(handle), Effect.forkScoped)

    yield* Deferred.await(allReady).pipe(
      Effect.timeoutFail({ duration: startup, onTimeout: () => "workers did not start" }),
      Effect.orDie
    )
    t0 = yield* machineMillis
    yield* Console.log("        go!")
    yield* Effect.forEach(workers, (worker) => worker.go, { discard: true })

    yield* Effect.sleep(settings.duration)
    if (Option.isSome(settings.killAfter)) {
      // The takeover comes one lease (plus the skew bound) after the victim's last renewal: give it that long.
      const patience = Duration.sum(Duration.sum(settings.ttl, settings.maxClockSkew), Duration.seconds(10))
      yield* Deferred.await(takenOver).pipe(Effect.timeout(patience), Effect.ignore)
    }
    const stopAt = yield* machineMillis
    yield* Console.log(LiveLog.stopping(stopAt - t0, held))
    yield* Effect.forEach(workers, (worker) => worker.stop, { discard: true })
    const exits = yield* Effect.forEach(workers, (worker) =>
      worker.ended.pipe(
        Effect.timeoutFail({
          duration: Duration.sum(settings.workMax, Duration.seconds(15)),
          onTimeout: () => `${worker.name} did not stop`
        }),
        Effect.orDie,
        Effect.map((ended) => ({ worker: worker.name, code: ended.code }))
      )
    )
    yield* Fiber.join(logging)
    const end = yield* machineMillis
    for (const worker of [...open.keys()]) close(worker, end, "unfinished")

    const finalRecords = new Map((yield* agents.list(prefix)).map((pair) => [pair.key, pair] as const))
    const summary = judge({
      workers: workers.length,
      holdings,
      commits,
      killed,
      takeover,
      exits: exits.filter((exit) => exit.worker !== killed?.worker),
      seedVersions,
      finalRecords,
      killExpected: Option.isSome(settings.killAfter)
    })
    return { ...summary, elapsedMillis: end - t0 }
  })
