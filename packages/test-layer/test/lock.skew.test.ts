import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { strictlyIncreasing } from "./support/exclusion.js"
import { contend } from "./support/contenders.js"

// Leases without renewal make every handoff an expiry takeover, where clock skew matters most.
describe("clock skew (memory, TestClock)", () => {
  it.effect("clients whose clocks differ by up to the configured bound never overlap", () =>
    Effect.gen(function* () {
      const result = yield* contend({
        clients: 4,
        rounds: 4,
        settings: { maxClockSkew: "400 millis" },
        // Pairwise differences up to 400 ms.
        offsets: [-200, 200, 0, -150],
        lock: { ttl: "300 millis", renew: false },
        latency: 1,
        // Sections outlive the lease: the holder stops at its local deadline (lock.lost), the next client
        // takes over by its own clock.
        section: [250, 600],
        horizon: "5 minutes"
      })
      assert.isTrue(result.finished)
      assert.deepStrictEqual(result.checker.violations, [])
      assert.isTrue(strictlyIncreasing(result.checker.tokens))
      assert.isAbove(result.lost, 0, "the scenario exercises lease expiry")
    })
  )

  it.effect("the checker does see overlap when clocks differ by far more than the bound", () =>
    Effect.gen(function* () {
      const result = yield* contend({
        clients: 2,
        rounds: 3,
        settings: { maxClockSkew: "50 millis" },
        offsets: [-1500, 0],
        lock: { ttl: "1 second", renew: false },
        latency: 1,
        section: [900, 950],
        horizon: "2 minutes"
      })
      assert.isAbove(result.checker.violations.length, 0)
    })
  )
})
