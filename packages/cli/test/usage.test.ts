// Bad usage exits 64 before anything runs, with a message that says what is wrong; --help and --version.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { child, closedPort, isStarted, run } from "./support/cli.js"

// Nothing may be reached: should a case get past its usage check, it fails on this port instead (70), not 64.
const nowhere = (port: number) => ["--endpoint", `http://127.0.0.1:${port}`, "--table", "locks"]

const cases = (where: ReadonlyArray<string>): ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> => [
  ["an unknown option", ["run", "k", ...where, "--no-such-option", ...child()], "--no-such-option"],
  ["no command after --", ["run", "k", ...where], "run needs a command after --"],
  ["a command without --", ["run", "k", ...where, "echo", "hi"], "Received unknown argument"],
  ["no key", ["run", ...where, ...child()], "Missing argument <KEY>"],
  ["an empty key", ["run", "", ...where, ...child()], "key must not be empty"],
  ["a duration without a unit", ["run", "k", ...where, "--ttl", "30", ...child()], "write it like 30s"],
  ["a zero ttl", ["run", "k", ...where, "--ttl", "0s", ...child()], "must be longer than zero"],
  [
    "--no-wait with --timeout",
    ["run", "k", ...where, "--no-wait", "--timeout", "1s", ...child()],
    "--no-wait and --timeout exclude each other"
  ],
  ["an unknown command", ["frobnicate", ...where], "Invalid subcommand"],
  ["release without --force", ["release", "k", ...where], "add --force"],
  ["a command line after status", ["status", "k", ...where, ...child()], "only run takes a command after --"],
  ["no table", ["status", "k", "--endpoint", where[1] ?? ""], "Pass --table TABLE or set DYNALOCK_TABLE"]
]

describe("dynalock usage", () => {
  it.live("every kind of bad usage exits 64, says what is wrong, and runs nothing", () =>
    Effect.gen(function* () {
      const where = nowhere(yield* closedPort)
      const results = yield* Effect.forEach(
        cases(where),
        ([name, args, says]) => Effect.map(run(args), (finished) => ({ name, says, finished })),
        {
          concurrency: 3
        }
      )
      for (const { finished, name, says } of results) {
        assert.strictEqual(finished.code, 64, `${name}: ${finished.stderr}`)
        assert.include(finished.stderr, says, name)
        assert.isUndefined(finished.events.find(isStarted), `${name}: the command ran`)
      }
    })
  )

  it.live(
    "--help: the overview, as plain text when it is not a terminal; a command's --help lists its options; --version",
    () =>
      Effect.gen(function* () {
        const [overview, runHelp, version] = yield* Effect.all(
          [run(["--help"]), run(["run", "--help"]), run(["--version"])],
          {
            concurrency: "unbounded"
          }
        )
        assert.strictEqual(overview.code, 0, overview.stderr)
        for (const line of [
          "dynalock run KEY [--ttl 30s] [--timeout 10s | --no-wait] [--kill-after 10s] [--quiet] -- COMMAND [ARGS...]",
          "dynalock status KEY [--json]",
          "dynalock list [PREFIX] [--json]",
          "dynalock release KEY --force",
          "dynalock create-table",
          "--table TABLE",
          "EXIT STATUS"
        ]) {
          assert.include(overview.stdout, line)
        }
        assert.notInclude(overview.stdout, "\u001b[", "no terminal colours in a pipe")

        assert.strictEqual(runHelp.code, 0, runHelp.stderr)
        for (const option of [
          "--ttl DURATION",
          "--timeout DURATION",
          "--no-wait",
          "--kill-after DURATION",
          "--quiet",
          "--partition PARTITION",
          "--endpoint URL"
        ]) {
          assert.include(runHelp.stdout, option)
        }
        assert.notInclude(runHelp.stdout, "\u001b[")

        assert.strictEqual(version.code, 0, version.stderr)
        assert.strictEqual(version.stdout.trim(), "0.1.0")
      })
  )
})
