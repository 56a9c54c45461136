// An unreachable store (a closed port on 127.0.0.1) is a store error, exit 70, once the retries are spent:
// never a hang. One request's budget (DynamoStore's default retry): 8 retries, from 25 ms doubling, each wait
// capped at 2 s and jittered by +-20%: 4.1 to 6.2 s of waiting. A waiting `run` rides an outage out for the
// Locker's maxStoreOutage (10 s) before it gives up.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { child, closedPort, isStarted, run } from "./support/cli.js"

const oneRequestBudget = { min: 0.8 * 5175, max: 1.2 * 5175 }
// The time includes the process's start: about a second alone, several seconds on two cores busy with other
// test files. The bounds are there to show that retries happened and that they end, not to time the start.
const slack = 10_000

describe("dynalock against an unreachable store", () => {
  it.live(
    "status, run --no-wait and a waiting run exit 70 within their retry budgets; the command never runs",
    () =>
      Effect.gen(function* () {
        const where = ["--endpoint", `http://127.0.0.1:${yield* closedPort}`, "--table", "locks"]
        const [status, noWait, waiting] = yield* Effect.all(
          [
            run(["status", "k", ...where]),
            run(["run", "k", ...where, "--no-wait", ...child()]),
            run(["run", "k", ...where, ...child()])
          ],
          { concurrency: "unbounded" }
        )
        for (const finished of [status, noWait, waiting]) {
          assert.strictEqual(finished.code, 70, finished.stderr)
          assert.include(finished.stderr, "(Unavailable)")
          assert.include(finished.stderr, "ECONNREFUSED")
          assert.isUndefined(finished.events.find(isStarted))
        }
        for (const finished of [status, noWait]) {
          const took = Duration.toMillis(finished.elapsed)
          assert.isAtLeast(took, oneRequestBudget.min, "it retried")
          assert.isBelow(took, oneRequestBudget.max + slack)
        }
        const took = Duration.toMillis(waiting.elapsed)
        assert.isAtLeast(took, 10_000, "it rode the outage out")
        assert.isBelow(took, 10_000 + oneRequestBudget.max + slack)
        yield* Effect.logInfo(
          `exit 70 after: status ${Duration.format(status.elapsed)}, run --no-wait ${Duration.format(noWait.elapsed)}, ` +
            `waiting run ${Duration.format(waiting.elapsed)} (process start included)`
        )
      }),
    40_000
  )
})
