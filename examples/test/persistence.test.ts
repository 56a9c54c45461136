// The persistence example: once in this process on an embedded dynalite (to check each round), and once as users
// run it, as a process of its own.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { run } from "../persistence/program.js"
import { runExample } from "./support/runExample.js"

describe("persistence example", () => {
  it.scopedLive("a second process is served from DynamoDB; expired entries are looked up again", () =>
    Effect.gen(function* () {
      const table = yield* DemoTable.embedded("persistence")
      const result = yield* run(table, { ttl: Duration.millis(500), latency: Duration.millis(20) })

      assert.strictEqual(result.first.upstreamCalls, 3)
      assert.deepStrictEqual(result.first.answers, [
        "1 EUR = 1.08 USD",
        "1 GBP = 189.5522 JPY",
        "EUR->XYZ: UnknownCurrency XYZ"
      ])
      // Another process, an empty in-memory cache: every answer, the typed failure included, came from the table.
      assert.strictEqual(result.second.upstreamCalls, 0)
      assert.deepStrictEqual(result.second.answers, result.first.answers)

      assert.deepStrictEqual(
        result.stored.map(({ key }) => key),
        ["rates/EUR-USD", "rates/EUR-XYZ", "rates/GBP-JPY"]
      )
      const [exit, expires] = JSON.parse(result.stored[0]!.text) as [unknown, number]
      assert.deepStrictEqual(exit, { _tag: "Success", value: 1.08 })
      // The expiry in epoch milliseconds: written a moment ago, the ttl ahead of then.
      assert.isTrue(expires > Date.now() - 10_000 && expires < Date.now() + 500, `expires ${expires}`)

      assert.strictEqual(result.afterTtl.upstreamCalls, 3)
      assert.deepStrictEqual(result.afterTtl.answers, result.first.answers)
    })
  )

  it.live(
    "main.ts runs to the end and exits 0",
    () =>
      Effect.gen(function* () {
        const finished = yield* runExample(
          "persistence/main.ts",
          { DEMO_TTL: "500 millis", DEMO_LATENCY: "20 millis" },
          "50 seconds"
        )
        assert.strictEqual(finished.code, 0, `${finished.stdout}\n${finished.stderr}`)
        assert.include(finished.stdout, "(upstream lookups: 0)")
      }),
    60_000
  )
})
