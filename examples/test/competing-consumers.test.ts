// The main demo, run for real but short: 3 worker processes on an embedded dynalite, one SIGKILLed mid-job.
import { readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { Summary } from "../competing-consumers/verdict.js"
import { runExample } from "./support/runExample.js"

describe("competing-consumers demo", () => {
  it.live(
    "3 worker processes, one killed: its record is taken over, and no record is ever processed twice at once",
    () =>
      Effect.gen(function* () {
        const summaryFile = join(tmpdir(), `dynalock-demo-${process.pid}-${Date.now()}.json`)
        const run = yield* runExample(
          "competing-consumers/main.ts",
          {
            DEMO_WORKERS: "3",
            DEMO_RECORDS: "4",
            DEMO_DURATION: "6 seconds",
            DEMO_KILL_AFTER: "1500 millis",
            DEMO_TTL: "1500 millis",
            DEMO_MAX_CLOCK_SKEW: "250 millis",
            DEMO_WORK_MIN: "150 millis",
            DEMO_WORK_MAX: "400 millis",
            DEMO_SUMMARY_FILE: summaryFile
          },
          "80 seconds"
        )
        const summary = yield* Effect.sync(() => JSON.parse(readFileSync(summaryFile, "utf8")) as Summary)
        yield* Effect.sync(() => rmSync(summaryFile, { force: true }))
        console.log(`competing-consumers demo: ${summary.jobs} jobs, exit ${run.code}, ${Duration.format(run.elapsed)}`)

        assert.strictEqual(run.code, 0, `${run.stdout}\n${run.stderr}`)
        assert.isTrue(summary.ok, JSON.stringify(summary.checks, null, 2))
        assert.deepStrictEqual(
          summary.checks.filter((check) => !check.ok),
          []
        )
        assert.strictEqual(summary.workers, 3)
        assert.isAbove(summary.jobs, 6)
        assert.isNotNull(summary.killed)
        assert.isNotNull(summary.takeover)
        assert.strictEqual(summary.takeover?.record, summary.killed?.record)
        assert.notStrictEqual(summary.takeover?.by, summary.killed?.worker)
        assert.isTrue(BigInt(summary.takeover!.fenceAfter) > BigInt(summary.takeover!.fenceBefore))
        // The lease (1.5 s) had to run out first, and the skew bound (0.25 s) after it; the last renewal came at most
        // a third of a lease before the kill.
        assert.isAtLeast(summary.takeover!.afterKillMillis, 1000)
        assert.include(run.stdout, "TAKEOVER from")
        assert.include(run.stdout, "All checks passed")
      }),
    90_000
  )
})
