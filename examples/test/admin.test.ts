// The admin example: once in this process on an embedded dynalite (to check what the operator saw and what each
// worker learnt), and once as users run it, as a process of its own.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Either, Option } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { run, stuckKey } from "../admin/program.js"
import { runExample } from "./support/runExample.js"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const ttl = Duration.millis(900)

describe("admin example", () => {
  it.scopedLive(
    "list and inspect show the stuck holder; forceRelease breaks it; the holder learns at its next renewal",
    () =>
      Effect.gen(function* () {
        const table = yield* DemoTable.embedded("admin")
        const result = yield* run(table, { ttl, maxClockSkew: Duration.millis(100) })

        // list("jobs/"): the held locks under the prefix only (not cron/rotate-keys), in key order.
        assert.deepStrictEqual(
          result.listed.map((state) => state.key),
          ["jobs/cleanup", stuckKey]
        )
        assert.isTrue(result.listed.every((state) => state.held))

        // inspect: who holds it, its token, when its lease ends, who waits.
        assert.isTrue(result.stuck.held)
        assert.include(text(result.stuck.value), "worker-7")
        assert.strictEqual(result.stuck.fencingToken, result.stuckToken)
        assert.strictEqual(result.stuck.waiting, 1)
        assert.isTrue(Option.isSome(result.stuck.expires))
        assert.isTrue(result.leaseEndMoved, "the stuck holder kept renewing")

        assert.isTrue(result.broken)
        assert.isTrue(result.nextToken > result.stuckToken)
        const lost = Either.getLeft(result.stuckOutcome).pipe(Option.getOrThrow)
        assert.strictEqual(lost._tag, "LockLost")
        assert.include(["TakenOver", "Vanished"], lost._tag === "LockLost" ? lost.reason : "")
        // At its next renewal: a third of a lease later at most, plus a request.
        assert.isTrue(Duration.lessThan(result.lossNoticedAfter, ttl), Duration.format(result.lossNoticedAfter))

        const after = Option.getOrThrow(result.afterBreak)
        assert.isTrue(after.held)
        assert.include(text(after.value), "worker-8")
        assert.strictEqual(after.fencingToken, result.nextToken)
        assert.strictEqual(after.waiting, 0)
        assert.isFalse(result.brokeNothing)
        assert.deepStrictEqual(result.listedAtEnd, [])
      })
  )

  it.live(
    "main.ts runs to the end and exits 0",
    () =>
      Effect.gen(function* () {
        const finished = yield* runExample(
          "admin/main.ts",
          { DEMO_TTL: "900 millis", DEMO_MAX_CLOCK_SKEW: "100 millis" },
          "50 seconds"
        )
        assert.strictEqual(finished.code, 0, `${finished.stdout}\n${finished.stderr}`)
        assert.include(finished.stdout, "true: a live lease was broken")
        assert.include(finished.stdout, "worker-7: LockLost")
      }),
    60_000
  )
})
