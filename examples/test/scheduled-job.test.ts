// The scheduled-job example: once in this process on an embedded dynalite (to check each outcome), and once as
// users run it, as a process of its own.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { run } from "../scheduled-job/program.js"
import { runExample } from "./support/runExample.js"

const short = { ttl: Duration.millis(600), maxClockSkew: Duration.millis(100), work: Duration.millis(200) }

describe("scheduled-job example", () => {
  it.scopedLive("one of three duplicate invocations runs the job; a frozen invocation's stale token is refused", () =>
    Effect.gen(function* () {
      const table = yield* DemoTable.embedded("scheduled-job")
      const result = yield* run(table, short)

      const published = result.duplicateDelivery.filter((outcome) => outcome._tag === "Published")
      assert.strictEqual(published.length, 1)
      assert.strictEqual(result.duplicateDelivery.filter((outcome) => outcome._tag === "Skipped").length, 2)

      assert.strictEqual(result.nextTick._tag, "Published")
      assert.strictEqual(result.frozen._tag, "Rejected")
      if (
        result.frozen._tag !== "Rejected" ||
        result.nextTick._tag !== "Published" ||
        published[0]?._tag !== "Published"
      )
        return
      // Each new holder of the job's lock has a higher token; the frozen one's is between tick 1's and tick 3's.
      assert.isTrue(published[0].token < result.frozen.token)
      assert.isTrue(result.frozen.token < result.nextTick.token)
      assert.strictEqual(result.frozen.highest, result.nextTick.token)
      assert.strictEqual(result.report.writtenBy, "tick-3")
      assert.strictEqual(result.report.highestToken, result.nextTick.token)
    })
  )

  it.live(
    "main.ts runs to the end and exits 0",
    () =>
      Effect.gen(function* () {
        const finished = yield* runExample(
          "scheduled-job/main.ts",
          { DEMO_TTL: "600 millis", DEMO_MAX_CLOCK_SKEW: "100 millis", DEMO_WORK: "200 millis" },
          "50 seconds"
        )
        assert.strictEqual(finished.code, 0, `${finished.stdout}\n${finished.stderr}`)
        assert.include(finished.stdout, "the report REFUSED its write")
      }),
    60_000
  )
})
