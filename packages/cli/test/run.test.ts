// `dynalock run` as a process: what the command gets, how dynalock's exit status follows the command's, and what
// SIGINT and SIGTERM do while it runs. Every run is the real executable against dynalite on 127.0.0.1.
import { constants } from "node:os"
import { assert, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { alive, child, isSignal, isStarted, on, run, start } from "./support/cli.js"

const startup = "20 seconds" // a tsx start of dynalock on two busy cores

// The test's own client, on the CLI's default partition, to see the lock records as any other client would.
const locker = Effect.gen(function* () {
  const server = yield* LocalDynamo.LocalDynamo
  const { locker } = yield* DynamoStore.make({
    tableName: server.tableName,
    partition: "dynalock",
    client: server.clientConfig
  })
  return locker
})

layer(LocalDynamo.layer({ tableName: "dynalock-cli-run" }), { excludeTestServices: true })("dynalock run", (it) => {
  it.scoped(
    "the command gets the key, the fencing token, the rest of the environment, its arguments and stdin; its exit status is dynalock's; the lock is released",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const dynalock = yield* start(["run", "env-key", ...on(server), "--ttl", "2s", ...child({}, "--help", "-x")], {
          CLI_TEST_PASSED_THROUGH: "yes"
        })
        const started = yield* dynalock.waitFor(isStarted, startup)
        assert.strictEqual(started.key, "env-key")
        assert.strictEqual(started.passedThrough, "yes")
        // The launcher's own switch is not part of the command's environment.
        assert.isNull(started.launcherSwitch)
        // Options after `--` are the command's, `--help` included.
        assert.deepStrictEqual(started.args, ["--help", "-x"])

        const held = yield* locks.inspect("env-key")
        assert.isTrue(Option.isSome(held) && held.value.held)
        assert.strictEqual(
          Option.map(held, (state) => state.fencingToken.toString()).pipe(Option.getOrNull),
          started.token
        )

        yield* dynalock.send("exit 3")
        const finished = yield* dynalock.finished
        assert.strictEqual(finished.code, 3, finished.stderr)
        assert.isTrue(finished.events.some((event) => event.event === "line" && event.line === "exit 3"))
        assert.isFalse(alive(started.pid))

        const after = yield* locks.inspect("env-key")
        assert.isTrue(Option.isSome(after) && !after.value.held, "released once the command exited")
      })
  )

  it.scoped("exit 0 is 0, and each run gets a higher fencing token than the one before", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.LocalDynamo
      const first = yield* run(["run", "zero-key", ...on(server), ...child({ exit: 0 })])
      const second = yield* run(["run", "zero-key", ...on(server), ...child({ exit: 0 })])
      assert.strictEqual(first.code, 0, first.stderr)
      assert.strictEqual(second.code, 0, second.stderr)
      const [a, b] = [first, second].map((finished) => finished.events.find(isStarted)?.token)
      assert.isTrue(
        a !== undefined && a !== null && b !== undefined && b !== null && BigInt(a) < BigInt(b),
        `${a} < ${b}`
      )
    })
  )

  it.scoped("a command ended by a signal: 128 + the signal's number", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.LocalDynamo
      const locks = yield* locker
      const finished = yield* run(["run", "signalled-key", ...on(server), ...child({ kill: "SIGUSR2" })])
      assert.strictEqual(finished.code, 128 + constants.signals.SIGUSR2, finished.stderr)
      const after = yield* locks.inspect("signalled-key")
      assert.isTrue(Option.isSome(after) && !after.value.held)
    })
  )

  it.scoped(
    "SIGTERM is forwarded to the command, which decides: it exits 42, so does dynalock, and the lock is released",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const dynalock = yield* start(["run", "term-key", ...on(server), ...child({ on: { SIGTERM: 42 } })])
        const started = yield* dynalock.waitFor(isStarted, startup)
        yield* dynalock.signal("SIGTERM")
        const received = yield* dynalock.waitFor(isSignal, "5 seconds")
        assert.strictEqual(received.signal, "SIGTERM")
        const finished = yield* dynalock.finished
        assert.strictEqual(finished.code, 42, finished.stderr)
        assert.isFalse(alive(started.pid))
        const after = yield* locks.inspect("term-key")
        assert.isTrue(Option.isSome(after) && !after.value.held)
      })
  )

  it.scoped("SIGINT is forwarded to the command: it dies of it, and dynalock exits 130", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.LocalDynamo
      const locks = yield* locker
      const dynalock = yield* start(["run", "int-key", ...on(server), ...child()])
      const started = yield* dynalock.waitFor(isStarted, startup)
      yield* dynalock.signal("SIGINT")
      const finished = yield* dynalock.finished
      assert.strictEqual(finished.code, 128 + constants.signals.SIGINT, finished.stderr)
      assert.isFalse(alive(started.pid))
      const after = yield* locks.inspect("int-key")
      assert.isTrue(Option.isSome(after) && !after.value.held)
    })
  )

  it.scoped("a command that does not exist: 127, as a shell says, and the lock is released", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.LocalDynamo
      const locks = yield* locker
      const finished = yield* run(["run", "missing-key", ...on(server), "--", "/nonexistent/command", "arg"])
      assert.strictEqual(finished.code, 127, finished.stderr)
      assert.include(finished.stderr, "cannot run /nonexistent/command: command not found")
      const after = yield* locks.inspect("missing-key")
      assert.isTrue(Option.isSome(after) && !after.value.held)
    })
  )
})
