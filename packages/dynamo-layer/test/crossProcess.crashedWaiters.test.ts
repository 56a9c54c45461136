/**
 * Waiters that crash while in line: 5 processes wait on a key another process holds, all 5 are killed with SIGKILL
 * (they leave their places in the line behind), then the holder releases. A waiter behind them (this test process,
 * through its own DynamoStore) must get the lock within queueGrace + maxClockSkew of the release, not 5 times that.
 */
import { randomUUID } from "node:crypto"
import { GetItemCommand } from "@aws-sdk/client-dynamodb"
import { unmarshall } from "@aws-sdk/util-dynamodb"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Schedule } from "effect"
import { Dynalock } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { rawClient } from "./support/dynamo.js"
import { spawnWorker, tagged } from "./support/workerProcess.js"
import type { WorkerArgs } from "./support/workerProtocol.js"

/** The machine-wide monotonic clock the workers report by (see lockWorker.ts). */
const now = (): number => Number(process.hrtime.bigint()) / 1e6

const startup = "40 seconds" // a cold tsx start of several workers on two busy cores takes a while

describe("crashed waiters across OS processes (dynalite in a separate process)", () => {
  it.scopedLive(
    "5 waiters killed with SIGKILL delay the released lock by at most queueGrace + maxClockSkew",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.make({ childProcess: true })
        const grace = 400
        const skew = 100
        const args: WorkerArgs = {
          endpoint: server.endpoint,
          tableName: server.tableName,
          partition: `locks-${randomUUID()}`,
          key: "resource",
          rounds: 1,
          holdMillis: [5, 5],
          ttlMillis: 1000,
          skewMillis: skew,
          queueGraceMillis: grace
        }
        const direct = yield* rawClient(server.clientConfig)
        const lineLength = Effect.promise(() =>
          direct.send(
            new GetItemCommand({
              TableName: server.tableName,
              Key: { id: { S: Dynalock.defaultLockPartition(args.partition) }, name: { S: args.key } },
              ConsistentRead: true
            })
          )
        ).pipe(
          Effect.map((output) =>
            output.Item === undefined ? 0 : ((unmarshall(output.Item).line as Array<string> | undefined) ?? []).length
          )
        )
        const lineReaches = (length: number) =>
          lineLength.pipe(
            Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (current) => current >= length }),
            Effect.timeoutFail({
              duration: "20 seconds",
              onTimeout: () => new Error(`the line never reached ${length} entries`)
            }),
            Effect.orDie
          )

        const [holder, ...doomed] = yield* Effect.forEach(
          [{ ...args, holdMillis: "untilReleased" as const }, ...Array.from({ length: 5 }, () => args)],
          (workerArgs) => spawnWorker(workerArgs),
          { concurrency: "unbounded" }
        )
        yield* Effect.forEach([holder!, ...doomed], (worker) => worker.waitFor(tagged("Ready"), startup), {
          concurrency: "unbounded",
          discard: true
        })
        yield* holder!.start
        yield* holder!.waitFor(tagged("Enter"), "10 seconds")
        yield* Effect.forEach(doomed, (worker) => worker.start, { discard: true })
        yield* lineReaches(5)

        // The survivor waits behind the five.
        const { locker } = yield* DynamoStore.make({
          tableName: server.tableName,
          partition: args.partition,
          client: server.clientConfig,
          lock: { queueGrace: Duration.millis(grace), maxClockSkew: Duration.millis(skew) }
        })
        const survivor = yield* Effect.fork(
          Effect.scoped(Effect.map(locker.acquire(args.key, { ttl: "2 seconds" }), () => now()))
        )
        yield* lineReaches(6)

        const killedAt = now()
        yield* Effect.forEach(doomed, (worker) => worker.kill("SIGKILL"), { concurrency: "unbounded", discard: true })
        yield* holder!.send("release")
        const released = yield* holder!.waitFor(tagged("Exit"), "10 seconds")
        const entered = yield* Fiber.join(survivor)
        const idle = entered - released.at
        console.log(
          `5 waiters killed with SIGKILL: the released lock lay idle ${idle.toFixed(0)} ms until the waiter behind them got it ` +
            `(${(entered - killedAt).toFixed(0)} ms after the kill; queueGrace ${grace} ms, maxClockSkew ${skew} ms)`
        )
        assert.isTrue(
          doomed.every((worker) => worker.events.find(tagged("Enter")) === undefined),
          "no killed waiter ever held the lock"
        )
        // The dead places lapse at most queueGrace + maxClockSkew after their last renewal, which came before the
        // kill, before the release. The survivor sleeps until the first of them lapses and looks again each time,
        // then claims at once: 150 ms for the release itself, a read, a claim and timer lateness on busy cores.
        assert.isAtMost(idle, grace + skew + 150)
        assert.strictEqual(yield* lineLength, 0, "the claim removed the dead places")
      }),
    90_000
  )
})
