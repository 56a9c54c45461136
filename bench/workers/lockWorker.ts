/**
 * A lock contender process for the benchmarks: re-acquires one key in a tight loop for a while, holding it for a
 * fixed time, and reports every acquisition with the requests its wait cost (counted on the SDK client).
 * Run as `node --import tsx --conditions=@dynalock/source lockWorker.ts '<LockWorkerArgs as JSON>'`.
 */
import { createInterface } from "node:readline"
import { Duration, Effect, Option } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { countingClient, localConfig } from "../support/countingClient.js"
import { monotonicMillis } from "../support/stats.js"
import type { LockWorkerArgs, LockWorkerEvent, MemoryFigures } from "./protocol.js"

const args = JSON.parse(process.argv[2] ?? "{}") as LockWorkerArgs

const emit = (event: LockWorkerEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

// "go" on stdin starts the run, so that all workers start together; a closed stdin means the benchmark is gone.
const lines = createInterface({ input: process.stdin })
const go = new Promise<void>((resolve) => lines.on("line", (line) => line.trim() === "go" && resolve()))
lines.on("close", () => process.exit(2))

const memoryNow = (): MemoryFigures => {
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed }
}

const since = (before: Record<string, number>, after: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(after)
      .map(([operation, n]) => [operation, n - (before[operation] ?? 0)])
      .filter(([, n]) => n !== 0)
  )

const program = Effect.gen(function* () {
  const counter = countingClient(localConfig(args.endpoint))
  yield* Effect.addFinalizer(() => Effect.sync(() => counter.client.destroy()))
  const { locker } = yield* DynamoStore.make({
    tableName: args.tableName,
    partition: args.partition,
    client: counter.client,
    lock: { maxClockSkew: Duration.millis(args.skewMillis) }
  })
  emit({ _tag: "Ready", pid: process.pid })
  yield* Effect.promise(() => go)
  const deadline = monotonicMillis() + args.durationMillis
  let memory = memoryNow()
  let unfinishedWaits = 0
  for (let round = 0; round < args.rounds && monotonicMillis() < deadline; round++) {
    const before = { ...counter.counts }
    const requested = monotonicMillis()
    const outcome = yield* Effect.scoped(
      Effect.gen(function* () {
        const lock = yield* locker.acquire(args.key, {
          ttl: Duration.millis(args.ttlMillis),
          timeout: Duration.millis(deadline - requested)
        })
        const enter = monotonicMillis()
        const waitRequests = since(before, counter.counts)
        const lost = yield* Effect.raceFirst(
          Effect.as(Effect.sleep(args.holdMillis), false),
          Effect.as(Effect.ignore(lock.lost), true)
        )
        memory = memoryNow()
        const exit = monotonicMillis()
        yield* lock.release
        return {
          requested,
          enter,
          exit,
          released: monotonicMillis(),
          token: lock.fencingToken.toString(),
          waitRequests,
          lost
        }
      })
    ).pipe(
      Effect.map(Option.some),
      // Only the end of the run stops a wait: any other failure is a failed benchmark.
      Effect.catchTag("AcquireCancelled", () => Effect.succeed(Option.none()))
    )
    if (outcome._tag === "None") {
      unfinishedWaits++
      break
    }
    emit({ _tag: "Acquired", ...outcome.value })
  }
  emit({ _tag: "Stats", requests: { ...counter.counts }, unfinishedWaits, memory })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ _tag: "Failed", message: String(error) })
    process.exit(1)
  }
)
