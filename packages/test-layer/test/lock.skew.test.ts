import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { Dynalock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { withClockOffset } from "./support/clocks.js"
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

  it.scoped(
    "beyond the bound, exclusion is lost: a client whose clock is far ahead takes over a lease still held",
    () =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        const settings = { lock: { maxClockSkew: "50 millis" } } as const
        const behind = yield* Dynalock.makeOn(table.storage("locks"), settings).pipe(withClockOffset(-1500))
        const ahead = yield* Dynalock.makeOn(table.storage("locks"), settings)
        const held = yield* behind.locker.acquire("job", { ttl: "1 second", renew: false }).pipe(withClockOffset(-1500))
        assert.isTrue(Duration.greaterThan(yield* held.remaining.pipe(withClockOffset(-1500)), Duration.zero))
        // Its lease ended 500 ms ago by the other client's clock, so that client may take it: two holders at once.
        const taken = yield* ahead.locker.tryAcquire("job", { ttl: "1 second" })
        assert.isTrue(Option.isSome(taken))
      })
  )
})
