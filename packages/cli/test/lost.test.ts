// A lock lost while its command runs (here broken by `dynalock release --force`): the command gets SIGTERM, then
// SIGKILL after --kill-after if it is still there, and dynalock exits 74 whatever the command's own status.
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { alive, child, isSignal, isStarted, on, run, start } from "./support/cli.js"

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

layer(LocalDynamo.layer({ tableName: "dynalock-cli-lost" }), { excludeTestServices: true })(
  "a lock lost while the command runs",
  (it) => {
    it.scoped(
      "release --force: the command gets SIGTERM, exits 0 on it, and dynalock exits 74; the next holder's token is higher",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const locks = yield* locker
          const holder = yield* start([
            "run",
            "broken-key",
            ...on(server),
            "--ttl",
            "900ms",
            ...child({ on: { SIGTERM: 0 } })
          ])
          const started = yield* holder.waitFor(isStarted, startup)

          const release = yield* run(["release", "broken-key", ...on(server), "--force"])
          assert.strictEqual(release.code, 0, release.stderr)
          assert.include(release.stdout, "broken-key released")
          const releasedAt = Date.now()

          const received = yield* holder.waitFor(isSignal, "5 seconds")
          const noticed = Date.now() - releasedAt
          assert.strictEqual(received.signal, "SIGTERM")
          const finished = yield* holder.finished
          assert.strictEqual(finished.code, 74, finished.stderr)
          assert.include(finished.stderr, "lost the lock broken-key")
          assert.isFalse(alive(started.pid))
          // The holder renews every third of its 900 ms lease: that is when it learns (with room for two busy cores).
          assert.isBelow(noticed, 2000, `the command got SIGTERM ${noticed} ms after the release`)

          const next = yield* locks.acquire("broken-key", { ttl: "1 second", wait: false })
          assert.isTrue(next.fencingToken > BigInt(started.token ?? "0"))
        })
    )

    it.scoped("a command that ignores SIGTERM gets SIGKILL --kill-after later; dynalock exits 74", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const holder = yield* start([
          "run",
          "stubborn-key",
          ...on(server),
          "--ttl",
          "900ms",
          "--kill-after",
          "600ms",
          ...child({ on: { SIGTERM: "ignore" } })
        ])
        const started = yield* holder.waitFor(isStarted, startup)
        // Broken by another client of the table this time, as an operator's tool other than this CLI would.
        assert.isTrue(yield* locks.forceRelease("stubborn-key"))

        yield* holder.waitFor(isSignal, "5 seconds")
        const termAt = Date.now()
        const finished = yield* holder.finished
        const killedAfter = Date.now() - termAt
        assert.strictEqual(finished.code, 74, finished.stderr)
        assert.include(finished.stderr, "did not exit within 600ms of SIGTERM: sending it SIGKILL")
        assert.isFalse(alive(started.pid))
        assert.isAtLeast(killedAfter, 500, `dynalock exited ${killedAfter} ms after the command got SIGTERM`)
        assert.isBelow(killedAfter, 4000)
        yield* Effect.logInfo(
          `SIGTERM to exit with --kill-after 600ms: ${Duration.format(Duration.millis(killedAfter))}`
        )

        // Nothing is held afterwards: the broken lease was not renewed back.
        const state = yield* locks.inspect("stubborn-key")
        assert.isTrue(Option.exists(state, (state) => !state.held))
      })
    )
  }
)
