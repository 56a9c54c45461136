/**
 * A permit contender for the semaphore benchmark: takes one permit of a semaphore in a tight loop, holds it for a
 * fixed time, gives it back, and reports every acquisition (as the lock worker does) with the requests its wait
 * cost, counted on its client; the parent counts the same requests at the server, through the proxy, by tag.
 * Run as `node --import tsx --conditions=@dynalock/source semaphoreWorker.ts '<SemaphoreWorkerArgs as JSON>'`.
 */
import { createInterface } from "node:readline"
import { Duration, Effect, Option } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { tagClient } from "@dynalock/test-layer/FaultProxy"
import { countingClient, localConfig } from "../support/countingClient.js"
import { monotonicMillis } from "../support/stats.js"
import type { LockWorkerEvent, MemoryFigures } from "./protocol.js"
import type { SemaphoreWorkerArgs } from "./semaphoreProtocol.js"

const args = JSON.parse(process.argv[2] ?? "{}") as SemaphoreWorkerArgs

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
  tagClient(counter.client, args.tag)
  yield* Effect.addFinalizer(() => Effect.sync(() => counter.client.destroy()))
  const { locker } = yield* DynamoStore.make({
    tableName: args.tableName,
    partition: args.partition,
    client: counter.client
  })
  // A cold client's first requests are slow (connections, JIT): warm it on a semaphore of its own first.
  const warm = locker.semaphore(`${args.key}-warm-${args.tag}`, args.limit)
  for (let i = 0; i < 3; i++) yield* Effect.scoped(Effect.flatMap(warm.acquire(), (permit) => permit.release))
  const semaphore = locker.semaphore(args.key, args.limit)
  const warmed = { ...counter.counts }
  emit({ _tag: "Ready", pid: process.pid })
  yield* Effect.promise(() => go)
  const deadline = monotonicMillis() + args.durationMillis
  let memory = memoryNow()
  let unfinishedWaits = 0
  let openWaitMillis: number | undefined
  while (monotonicMillis() < deadline) {
    const before = { ...counter.counts }
    const requested = monotonicMillis()
    const outcome = yield* Effect.scoped(
      Effect.gen(function* () {
        const permit = yield* semaphore.acquire(1, { timeout: Duration.millis(Math.max(1, deadline - requested)) })
        const enter = monotonicMillis()
        const waitRequests = since(before, counter.counts)
        const lost = yield* Effect.raceFirst(
          Effect.as(Effect.sleep(args.holdMillis), false),
          Effect.as(Effect.ignore(permit.lost), true)
        )
        memory = memoryNow()
        const exit = monotonicMillis()
        yield* permit.release
        return { requested, enter, exit, released: monotonicMillis(), waitRequests, lost }
      })
    ).pipe(
      Effect.map(Option.some),
      // Only the end of the run stops a wait: any other failure is a failed benchmark.
      Effect.catchTag("AcquireCancelled", () => Effect.succeed(Option.none()))
    )
    if (Option.isNone(outcome)) {
      unfinishedWaits++
      openWaitMillis = monotonicMillis() - requested
      break
    }
    emit({ _tag: "Acquired", ...outcome.value })
  }
  emit({
    _tag: "Stats",
    requests: since(warmed, counter.counts),
    unfinishedWaits,
    ...(openWaitMillis === undefined ? {} : { openWaitMillis }),
    memory
  })
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ _tag: "Failed", message: String(error) })
    process.exit(1)
  }
)
