import { assert, describe, it } from "@effect/vitest"
import { Duration, Either } from "effect"
import { parseDuration } from "../src/internal/durations.js"

const millis = (text: string, allowZero = false) => Either.map(parseDuration(text, allowZero), Duration.toMillis)

describe("durations on the command line", () => {
  it("compact forms, as Go and schedulers write them, and Effect's", () => {
    assert.deepStrictEqual(millis("30s"), Either.right(30_000))
    assert.deepStrictEqual(millis("500ms"), Either.right(500))
    assert.deepStrictEqual(millis("1.5s"), Either.right(1500))
    assert.deepStrictEqual(millis("1m30s"), Either.right(90_000))
    assert.deepStrictEqual(millis("2h"), Either.right(7_200_000))
    assert.deepStrictEqual(millis("1h2m3s4ms"), Either.right(3_723_004))
    assert.deepStrictEqual(millis("30 seconds"), Either.right(30_000))
    assert.deepStrictEqual(millis(" 10s "), Either.right(10_000))
  })

  it("zero only where allowed; no bare numbers, no unknown units, nothing negative or infinite", () => {
    assert.deepStrictEqual(millis("0s", true), Either.right(0))
    for (const text of ["0s", "0ms", "30", "", "s", "10x", "-5s", "5 fortnights", "Infinity", "1s junk"]) {
      assert.isTrue(Either.isLeft(parseDuration(text)), text)
    }
    assert.include(Either.flip(parseDuration("30")).pipe(Either.getOrElse(() => "")), "write it like 30s")
  })
})
