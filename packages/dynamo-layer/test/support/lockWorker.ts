/**
 * A lock contender in its own OS process, driven by the cross-process tests through `workerProcess.ts`; with
 * `semaphore` in its arguments, a contender for a semaphore's permits instead.
 *
 * Run as `node --import tsx --conditions=@dynalock/source lockWorker.ts '<WorkerArgs as JSON>'`. It reports on
 * stdout as JSON lines (`WorkerEvent`). Timestamps are `process.hrtime` in milliseconds: on Linux that is
 * CLOCK_MONOTONIC, one clock for every process of the machine, so the parent can order sections across workers.
 * Reading the clock here is the test's business; the library itself only reads Effect's Clock (which
 * `offsetMillis` shifts, as a machine whose clock is off would).
 */
import { createInterface } from "node:readline"
import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { Duration, Effect, Random, Schedule } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { tagClient } from "@dynalock/test-layer/FaultProxy"
import { withClockOffset } from "./offsetClock.js"
import type { WorkerArgs, WorkerEvent } from "./workerProtocol.js"

const args = JSON.parse(process.argv[2] ?? "{}") as WorkerArgs

const now = (): number => Number(process.hrtime.bigint()) / 1e6

const emit = (event: WorkerEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

// The parent talks on stdin: "go" starts the work, "release" ends the (first) section held "untilReleased", "stop"
// makes the current round the last. When the parent goes away, however it dies, stdin closes, and a worker must
// never outlive it.
const lines = createInterface({ input: process.stdin })
const go = new Promise<void>((resolve) => lines.on("line", (line) => line.trim() === "go" && resolve()))
const releaseAsked = new Promise<void>((resolve) => lines.on("line", (line) => line.trim() === "release" && resolve()))
let stopAsked = false
lines.on("line", (line) => {
  if (line.trim() === "stop") stopAsked = true
})
lines.on("close", () => process.exit(2))

const millisOrDefault = (millis: number | undefined) => (millis === undefined ? undefined : Duration.millis(millis))

const program = Effect.gen(function* () {
  const client = yield* Effect.acquireRelease(
    Effect.sync(
      () =>
        new DynamoDBClient({
          endpoint: args.endpoint,
          region: "local",
          credentials: { accessKeyId: "local", secretAccessKey: "local" }
        })
    ),
    (made) => Effect.sync(() => made.destroy())
  )
  if (args.clientTag !== undefined) tagClient(client, args.clientTag)
  const { locker } = yield* DynamoStore.make({
    tableName: args.tableName,
    partition: args.partition,
    client,
    ...(args.storeRetryMillis === undefined
      ? {}
      : {
          retry: Schedule.exponential(Duration.millis(args.storeRetryMillis[0]), 2).pipe(
            Schedule.union(Schedule.spaced(Duration.millis(args.storeRetryMillis[1]))),
            Schedule.jittered,
            Schedule.intersect(Schedule.recurs(8))
          )
        }),
    ...(args.requestTimeoutMillis === undefined ? {} : { requestTimeout: Duration.millis(args.requestTimeoutMillis) }),
    lock: { maxClockSkew: Duration.millis(args.skewMillis), queueGrace: millisOrDefault(args.queueGraceMillis) }
  })
  const retry =
    args.lockRetryMillis === undefined
      ? {}
      : {
          retry: Schedule.exponential(Duration.millis(args.lockRetryMillis[0]), 1.5).pipe(
            Schedule.jittered,
            Schedule.union(Schedule.spaced(Duration.millis(args.lockRetryMillis[1])))
          )
        }
  emit({ _tag: "Ready", pid: process.pid })
  yield* Effect.promise(() => go)
  const hold =
    args.holdMillis === "forever"
      ? Effect.never
      : args.holdMillis === "untilReleased"
        ? Effect.promise(() => releaseAsked)
        : Effect.flatMap(Random.nextIntBetween(args.holdMillis[0], args.holdMillis[1] + 1), (millis) =>
            Effect.sleep(millis)
          )
  const options = { ttl: Duration.millis(args.ttlMillis), ...retry }
  const semaphore =
    args.semaphore === undefined
      ? undefined
      : { permits: args.semaphore.permits, of: locker.semaphore(args.key, args.semaphore.limit) }
  // Takes the lock or the round's permits and reports the section's start; what it gives is the lease's loss.
  const enter = (round: number) =>
    semaphore === undefined
      ? Effect.map(locker.acquire(args.key, options), (lock) => {
          emit({ _tag: "Enter", at: now(), token: lock.fencingToken.toString() })
          return lock.lost
        })
      : Effect.map(semaphore.of.acquire(semaphore.permits[round % semaphore.permits.length], options), (permit) => {
          emit({ _tag: "Granted", at: now(), permits: permit.permits })
          return permit.lost
        })
  for (let round = 0; round < args.rounds && !stopAsked; round++) {
    yield* Effect.scoped(
      Effect.gen(function* () {
        emit({ _tag: "Acquiring", at: now() })
        const lostLease = yield* enter(round)
        const lost = yield* Effect.raceFirst(
          Effect.as(hold, undefined),
          Effect.map(Effect.flip(lostLease), (error) => error.reason)
        )
        // The section ends before the release is sent: from here on another holder may enter.
        emit(lost === undefined ? { _tag: "Exit", at: now() } : { _tag: "Lost", at: now(), reason: lost })
      })
    )
  }
  emit({ _tag: "Done" })
})

Effect.runPromise(Effect.scoped(withClockOffset(args.offsetMillis ?? 0)(program))).then(
  () => process.exit(0),
  (error: unknown) => {
    emit({ _tag: "Failed", message: String(error) })
    process.exit(1)
  }
)
