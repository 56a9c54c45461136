// The rate-limited-api example: the API stub on its own (it does refuse a call over its limit), the story once in
// this process on an embedded dynalite (to check each figure), and once as users run it, as a process of its own.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import * as PartnerApi from "../rate-limited-api/PartnerApi.js"
import { limit, run, wentAsTold } from "../rate-limited-api/program.js"
import { runExample } from "./support/runExample.js"

describe("rate-limited-api example", () => {
  it.live("the API stub refuses a call over its limit, and counts what it saw", () =>
    Effect.gen(function* () {
      const api = yield* PartnerApi.make({ limit: 3, latency: "20 millis" })
      const outcomes = yield* Effect.forEach([1, 2, 3, 4], (i) => Effect.either(api.call(`c${i}`)), {
        concurrency: "unbounded"
      })
      assert.strictEqual(outcomes.filter(Either.isLeft).length, 1)
      assert.deepStrictEqual(yield* api.stats, { served: 3, refused: 1, maxInFlight: 4 })
      assert.strictEqual(yield* api.inFlight, 0)
      // One at a time again, nothing is refused.
      yield* api.call("c5")
      assert.deepStrictEqual(yield* api.stats, { served: 4, refused: 1, maxInFlight: 4 })
    })
  )

  it.scopedLive('workers sharing semaphore("partner-api", 3) never have more than 3 calls in flight', () =>
    Effect.gen(function* () {
      const table = yield* DemoTable.embedded("rate-limited-api")
      // Calls long enough that three are in flight together even on a busy machine.
      const result = yield* run(table, { workers: 3, fibers: 2, calls: 2, latency: Duration.millis(250) })

      // Without the semaphore the API refuses calls: the limit is real.
      assert.strictEqual(result.uncoordinated.served, limit)
      assert.strictEqual(result.uncoordinated.refused, 6 - limit)
      // With it, every call is served and the API never sees more than the limit at once...
      assert.strictEqual(result.calls, 12)
      assert.strictEqual(result.coordinated.served, 12)
      assert.strictEqual(result.coordinated.refused, 0)
      assert.isAtMost(result.coordinated.maxInFlight, limit)
      // ...but it does see the limit: the permits are used together, not handed out one at a time.
      assert.strictEqual(result.coordinated.maxInFlight, limit)
      assert.strictEqual(result.waits.length, 12)
      // 12 calls of 250 ms, 3 at once: 1 s at least.
      assert.isTrue(Duration.greaterThanOrEqualTo(result.elapsed, Duration.seconds(1)), Duration.format(result.elapsed))
      assert.strictEqual(result.availableBefore, limit)
      assert.strictEqual(result.availableAfter, limit)
      assert.isTrue(wentAsTold(result))
    })
  )

  it.live(
    "main.ts runs to the end and exits 0",
    () =>
      Effect.gen(function* () {
        const finished = yield* runExample(
          "rate-limited-api/main.ts",
          { DEMO_WORKERS: "2", DEMO_FIBERS: "3", DEMO_CALLS: "2", DEMO_LATENCY: "100 millis" },
          "50 seconds"
        )
        assert.strictEqual(finished.code, 0, `${finished.stdout}\n${finished.stderr}`)
        assert.include(finished.stdout, "ok   never more than 3 calls in flight")
        assert.include(finished.stdout, "permits available afterwards: 3 of 3")
      }),
    60_000
  )
})
