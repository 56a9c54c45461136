// The single-workflow example: once in this process on an embedded dynalite (to check each outcome), and once as
// users run it, as a process of its own.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Option } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { run } from "../single-workflow/program.js"
import { runExample } from "./support/runExample.js"

const ttl = Duration.millis(600)
const short = { ttl, maxClockSkew: Duration.millis(100), stepTime: Duration.millis(400) }

describe("single-workflow example", () => {
  it.scopedLive(
    "one run provisions through several renewed leases; a lock broken by forceRelease interrupts the job",
    () =>
      Effect.gen(function* () {
        const table = yield* DemoTable.embedded("single-workflow")
        const result = yield* run(table, short)

        assert.deepStrictEqual(result.first, Either.right("Provisioned"))
        assert.deepStrictEqual(result.second, Either.right("AlreadyProvisioned"))
        // A 2 s job under a 600 ms lease: the lease end seen after each step moved on every time.
        assert.isAtLeast(result.leaseEndsSeen, 4)

        assert.isTrue(Either.isLeft(result.third))
        const error = Either.getLeft(result.third).pipe(Option.getOrThrow)
        assert.strictEqual(error._tag, "LockLost")
        assert.strictEqual(error._tag === "LockLost" && error.reason, "Vanished")
        // Noticed at the next renewal, a third of a lease later at most (plus a request).
        assert.isTrue(Duration.lessThan(result.lossNoticedAfter, ttl), Duration.format(result.lossNoticedAfter))
        assert.deepStrictEqual(Option.getOrUndefined(result.previewAfter), {
          status: "provisioning",
          stepsDone: 2,
          by: "run-3"
        })
      })
  )

  it.live(
    "main.ts runs to the end and exits 0",
    () =>
      Effect.gen(function* () {
        const finished = yield* runExample(
          "single-workflow/main.ts",
          { DEMO_TTL: "600 millis", DEMO_MAX_CLOCK_SKEW: "100 millis", DEMO_STEP_TIME: "300 millis" },
          "50 seconds"
        )
        assert.strictEqual(finished.code, 0, `${finished.stdout}\n${finished.stderr}`)
        assert.include(finished.stdout, "stopped with LockLost")
      }),
    60_000
  )
})
