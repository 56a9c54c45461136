/**
 * One worker process of the competing-consumers demo. `main.ts` starts several of these; you do not run it by hand.
 *
 * It reaches the table through the standard AWS environment plus `DYNALOCK_TABLE` (and `DYNALOCK_ENDPOINT` for the
 * embedded server), with two independent clients, one per partition, as Go dynalock's example does. It reports on
 * stdout as JSON lines (`events.ts`), starts on `go` from stdin and stops when stdin ends, which also happens when
 * the parent dies, however it dies: a worker never outlives the demo.
 */
import { createInterface } from "node:readline"
import { Config, Deferred, Effect, Exit, Option, Schema } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import { runMain } from "../shared/runMain.js"
import { consume } from "./consume.js"
import { Ready, Stopped, WorkerEventLine } from "./events.js"
import type { WorkerEvent } from "./events.js"
import { WorkerSettings } from "./settings.js"
import { WorkRecord } from "./WorkRecord.js"

const encodeLine = Schema.encodeSync(WorkerEventLine)

const emit = (event: WorkerEvent): Effect.Effect<void> =>
  Effect.sync(() => void process.stdout.write(`${encodeLine(event)}\n`))

/** `go` and end-of-input on stdin, as two signals. */
const control = Effect.gen(function* () {
  const go = yield* Deferred.make<void>()
  const stop = yield* Deferred.make<void>()
  const lines = yield* Effect.acquireRelease(
    Effect.sync(() => createInterface({ input: process.stdin })),
    (lines) => Effect.sync(() => lines.close())
  )
  lines.on("line", (line) => {
    if (line.trim() === "go") Deferred.unsafeDone(go, Exit.void)
  })
  lines.on("close", () => {
    Deferred.unsafeDone(stop, Exit.void)
    // Stopping before `go` (the parent gave up) must not leave us waiting for it.
    Deferred.unsafeDone(go, Exit.void)
  })
  return { go: Deferred.await(go), stopping: Deferred.isDone(stop) }
})

const program = Effect.gen(function* () {
  const worker = yield* Config.nonEmptyString("DEMO_WORKER_NAME")
  const settings = yield* WorkerSettings
  const table = yield* DemoTable.fromEnvironment.pipe(
    Effect.flatMap(
      Option.match({ onNone: () => Effect.dieMessage("DYNALOCK_TABLE is not set"), onSome: Effect.succeed })
    )
  )
  const lock = { maxClockSkew: settings.maxClockSkew }
  const agents = yield* DynamoStore.make({ ...DemoTable.storeOptions(table, "Agent"), lock })
  const locks = yield* DynamoStore.make({ ...DemoTable.storeOptions(table, "Lock"), lock })
  const { go, stopping } = yield* control
  yield* emit(new Ready({ worker, pid: process.pid }))
  yield* go
  const jobs = yield* consume({
    worker,
    records: agents.store.forSchema(WorkRecord),
    locker: locks.locker,
    settings,
    emit,
    stopping
  })
  yield* emit(new Stopped({ worker, jobs }))
})

runMain(Effect.scoped(program), { disablePrettyLogger: true })
