// `dynalock run` on a lock that is held: not waiting (75), waiting until --timeout (75), waiting until the holder
// exits (the waiter's command starts with a higher fencing token), and a waiter stopped by SIGINT (130).
import { constants } from "node:os"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Option, Schedule } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type { Locker } from "@dynalock/core"
import { alive, child, isStarted, on, run, start } from "./support/cli.js"

const startup = "20 seconds"

const locker = Effect.gen(function* () {
  const server = yield* LocalDynamo.LocalDynamo
  const { locker } = yield* DynamoStore.make({
    tableName: server.tableName,
    partition: "dynalock",
    client: server.clientConfig
  })
  return locker
})

/** Waits until `count` waiters are in line for `key` (as the lock record shows them); how long that took. */
const waitersInLine = (locks: Locker["Type"], key: string, count: number) =>
  locks
    .inspect(key)
    .pipe(
      Effect.map(Option.exists((state) => state.waiting === count)),
      Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (reached) => reached }),
      Effect.timeoutFail({ duration: startup, onTimeout: () => `never ${count} waiters in line for ${key}` }),
      Effect.orDie
    )

layer(LocalDynamo.layer({ tableName: "dynalock-cli-waiting" }), { excludeTestServices: true })(
  "dynalock run on a held lock",
  (it) => {
    it.scoped(
      "--no-wait: 75 at once (--quiet: without a word), the command never runs, the holder keeps its lease",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const locks = yield* locker
          const holder = yield* locks.acquire("busy-key", { ttl: "10 seconds" })
          const args = ["run", "busy-key", ...on(server), "--no-wait"]
          const [finished, quiet] = yield* Effect.all(
            [run([...args, ...child({ exit: 0 })]), run([...args, "--quiet", ...child({ exit: 0 })])],
            {
              concurrency: "unbounded"
            }
          )
          assert.strictEqual(finished.code, 75, finished.stderr)
          assert.include(finished.stderr, "busy-key is held")
          assert.strictEqual(quiet.code, 75, quiet.stderr)
          assert.strictEqual(quiet.stderr, "")
          assert.strictEqual(quiet.stdout, "")
          assert.isUndefined(finished.events.find(isStarted), "the command never ran")
          const state = yield* locks.inspect("busy-key")
          assert.isTrue(Option.exists(state, (state) => state.held && state.fencingToken === holder.fencingToken))
        })
    )

    it.scoped(
      "--timeout: 75 once it is reached, the command never runs, and the waiter leaves no place in line behind",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const locks = yield* locker
          yield* locks.acquire("slow-key", { ttl: "20 seconds" })
          const waiter = yield* start(["run", "slow-key", ...on(server), "--timeout", "800ms", ...child({ exit: 0 })])
          yield* waitersInLine(locks, "slow-key", 1)
          const inLineAt = Date.now()
          const finished = yield* waiter.finished
          const waited = Date.now() - inLineAt
          assert.strictEqual(finished.code, 75, finished.stderr)
          assert.include(finished.stderr, "gave up waiting for slow-key (--timeout)")
          assert.isUndefined(finished.events.find(isStarted))
          // In line at most 800 ms (it joined before we saw it), plus its exit: far from the holder's 20 s lease.
          assert.isBelow(waited, 800 + 4000, `left ${waited} ms after it was seen in line`)
          const state = yield* locks.inspect("slow-key")
          assert.isTrue(Option.exists(state, (state) => state.held && state.waiting === 0))
        })
    )

    it.scoped("a waiting run takes the lock over when the holder's command exits, with a higher fencing token", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const holder = yield* start(["run", "shared-key", ...on(server), "--ttl", "3s", ...child()])
        const holding = yield* holder.waitFor(isStarted, startup)
        const waiter = yield* start(["run", "shared-key", ...on(server), "--ttl", "3s", ...child()])
        yield* waitersInLine(locks, "shared-key", 1)
        assert.isUndefined(waiter.events.find(isStarted), "the waiter's command waits")

        const exitAt = Date.now()
        yield* holder.send("exit 0")
        const taking = yield* waiter.waitFor(isStarted, "10 seconds")
        const handoff = Date.now() - exitAt
        assert.isTrue(BigInt(taking.token ?? "0") > BigInt(holding.token ?? "0"), `${taking.token} > ${holding.token}`)
        assert.strictEqual((yield* holder.finished).code, 0)
        assert.isFalse(alive(holding.pid))
        // The holder's release lets the waiter in. Without it the waiter would wait for the lease to run out: at least
        // two thirds of it (renewals come every third) plus the clock-skew margin (1 s), 3 s in all.
        assert.isBelow(handoff, 2500, `the waiter's command started ${handoff} ms after the holder's exited`)

        yield* waiter.send("exit 0")
        const finished = yield* waiter.finished
        assert.strictEqual(finished.code, 0, finished.stderr)
        assert.isFalse(alive(taking.pid))
        yield* Effect.logInfo(
          `handoff from one dynalock run to a waiting one: ${Duration.format(Duration.millis(handoff))}`
        )
      })
    )

    it.scoped("SIGINT while waiting: 130 promptly, the command never runs, no place in line is left", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        yield* locks.acquire("wait-key", { ttl: "20 seconds" })
        const waiter = yield* start(["run", "wait-key", ...on(server), ...child({ exit: 0 })])
        yield* waitersInLine(locks, "wait-key", 1)
        const signalledAt = Date.now()
        yield* waiter.signal("SIGINT")
        const finished = yield* waiter.finished
        const stopped = Date.now() - signalledAt
        assert.strictEqual(finished.code, 128 + constants.signals.SIGINT, finished.stderr)
        assert.isUndefined(finished.events.find(isStarted))
        // Promptly: not after the holder's 20 s lease.
        assert.isBelow(stopped, 5000, `stopped ${stopped} ms after SIGINT`)
        const state = yield* locks.inspect("wait-key")
        assert.isTrue(Option.exists(state, (state) => state.held && state.waiting === 0))
      })
    )
  }
)
