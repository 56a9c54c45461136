import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { strictlyIncreasing } from "./support/exclusion.js"
import { contend } from "./support/contenders.js"

describe("mutual exclusion (memory, TestClock)", () => {
  it.effect("8 clients, 5 rounds each, 1 ms store latency: no overlap, fencing tokens strictly increase", () =>
    Effect.gen(function* () {
      const result = yield* contend({
        clients: 8,
        rounds: 5,
        lock: { ttl: "500 millis" },
        latency: 1,
        section: [5, 300],
        horizon: "5 minutes"
      })
      assert.isTrue(result.finished)
      assert.deepStrictEqual(result.checker.violations, [])
      assert.strictEqual(result.checker.tokens.length, 40)
      assert.isTrue(strictlyIncreasing(result.checker.tokens))
      assert.strictEqual(result.lost, 0)
      const requests = result.clients.reduce((sum, client) => sum + client.total(), 0)
      console.log(`8 clients: ${result.elapsed} ms simulated, ${requests} requests for 40 acquisitions`)
    })
  )

  it.effect("sections longer than the ttl are kept safe by renewal", () =>
    Effect.gen(function* () {
      const result = yield* contend({
        clients: 4,
        rounds: 3,
        lock: { ttl: "200 millis" },
        latency: 2,
        section: [500, 1500],
        horizon: "5 minutes"
      })
      assert.isTrue(result.finished)
      assert.deepStrictEqual(result.checker.violations, [])
      assert.strictEqual(result.checker.tokens.length, 12)
      assert.isTrue(strictlyIncreasing(result.checker.tokens))
    })
  )

  it.effect(
    "10% of requests fail and 10% lose their answer after applying: still no overlap",
    () =>
      Effect.gen(function* () {
        let n = 0
        const result = yield* contend({
          clients: 6,
          rounds: 5,
          lock: { ttl: "400 millis" },
          latency: 1,
          // Deterministic pseudo-random fates, so a failure reproduces.
          fate: () => {
            n = (n * 1103515245 + 12345) % 2147483648
            const roll = n % 10
            return roll === 0 ? "fail" : roll === 1 ? "lose" : "pass"
          },
          section: [5, 200],
          horizon: "10 minutes"
        })
        assert.isTrue(result.finished)
        assert.deepStrictEqual(result.checker.violations, [])
        assert.isTrue(strictlyIncreasing(result.checker.tokens))
        // Lost answers and failures cost time, not safety: most rounds still complete.
        assert.isAbove(result.checker.tokens.length, 20)
      }),
    // Simulated time, but each simulated step costs real time: about 6 s alone, over 20 s on a loaded 2-core machine.
    60_000
  )
})
