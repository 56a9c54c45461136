import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option, Scope } from "effect"
import * as ChildProcess from "@dynalock/test-layer/ChildProcess"

const node = (source: string, options?: ChildProcess.SpawnOptions) =>
  ChildProcess.spawn(process.execPath, ["-e", source], options)

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The first stdout line, once it has come. */
const firstLine = () => {
  let resume: ((line: string) => void) | undefined
  const line = new Promise<string>((resolve) => (resume = resolve))
  return { onStdout: (text: string) => resume?.(text), line: Effect.promise(() => line) }
}

describe("ChildProcess", () => {
  it.scopedLive("delivers every line of stdout and stderr in order, then the exit code", () =>
    Effect.gen(function* () {
      const stdout: Array<string> = []
      const stderr: Array<string> = []
      // exitCode, not process.exit(): process.exit may drop what is still queued for a pipe (Node's docs warn of it).
      const child = yield* node(
        `for (let i = 0; i < 500; i++) console.log("out " + i); console.error("err a"); console.error("err b"); process.exitCode = 3`,
        { onStdout: (line) => stdout.push(line), onStderr: (line) => stderr.push(line) }
      )
      const exit = yield* child.closed
      assert.deepStrictEqual(exit, { code: 3, signal: null })
      assert.deepStrictEqual(
        stdout,
        Array.from({ length: 500 }, (_, i) => `out ${i}`)
      )
      assert.deepStrictEqual(stderr, ["err a", "err b"])
      assert.include(yield* child.output, "err b")
      assert.deepStrictEqual(yield* child.exitStatus, Option.some({ code: 3, signal: null }))
    })
  )

  it.scopedLive("writes to stdin and closes it; adds and removes environment variables", () =>
    Effect.gen(function* () {
      process.env.DYNALOCK_CHILD_TEST_REMOVED = "present"
      const lines: Array<string> = []
      const child = yield* node(
        `process.stdin.on("data", (chunk) => process.stdout.write(chunk));` +
          `process.stdin.on("end", () => console.log(process.env.ADDED, String(process.env.DYNALOCK_CHILD_TEST_REMOVED)))`,
        {
          stdin: "pipe",
          env: { ADDED: "added", DYNALOCK_CHILD_TEST_REMOVED: undefined },
          onStdout: (line) => lines.push(line)
        }
      )
      delete process.env.DYNALOCK_CHILD_TEST_REMOVED
      yield* child.write("one\ntwo\n")
      yield* child.end
      assert.deepStrictEqual(yield* child.closed, { code: 0, signal: null })
      assert.deepStrictEqual(lines, ["one", "two", "added undefined"])
    })
  )

  it.live("closing the scope stops a running process with SIGTERM and waits until it is gone", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const ready = firstLine()
      const child = yield* node(`console.log("ready"); setInterval(() => {}, 1000)`, { onStdout: ready.onStdout }).pipe(
        Scope.extend(scope)
      )
      yield* ready.line
      assert.isTrue(alive(child.pid))
      assert.isTrue(Option.isNone(yield* child.exitStatus))
      yield* Scope.close(scope, Exit.void)
      assert.isFalse(alive(child.pid))
      assert.deepStrictEqual(yield* child.exited, { code: null, signal: "SIGTERM" })
    })
  )

  it.live("a process that ignores the stop signal is SIGKILLed after the grace period", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const ready = firstLine()
      const child = yield* node(`process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)`, {
        onStdout: ready.onStdout,
        stopGrace: "300 millis"
      }).pipe(Scope.extend(scope))
      yield* ready.line
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      const took = Date.now() - started
      assert.isAtLeast(took, 290)
      assert.isBelow(took, 3000)
      assert.deepStrictEqual(yield* child.exited, { code: null, signal: "SIGKILL" })
      assert.isFalse(alive(child.pid))
    })
  )

  it.scopedLive("kill sends a signal and waits for the exit; a command that cannot run ends at once", () =>
    Effect.gen(function* () {
      const ready = firstLine()
      const child = yield* node(`console.log("ready"); setInterval(() => {}, 1000)`, { onStdout: ready.onStdout })
      yield* ready.line
      assert.deepStrictEqual(yield* child.kill("SIGINT"), { code: null, signal: "SIGINT" })

      const missing = yield* ChildProcess.spawn("/nonexistent/dynalock-no-such-command", [])
      assert.strictEqual(missing.pid, 0)
      assert.deepStrictEqual(yield* missing.exited, { code: null, signal: null })
      assert.include(yield* missing.output, "ENOENT")
    })
  )
})
