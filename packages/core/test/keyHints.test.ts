import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { makeKeyHints } from "../src/internal/lock/keyHints.js"
import type { KeyHint } from "../src/internal/lock/keyHints.js"
import { noLock } from "../src/Storage.js"

const released: KeyHint = {
  released: {
    key: "k",
    version: 2,
    expiresAt: Option.some(1000),
    foreign: false,
    payload: { _tag: "Empty" },
    lock: noLock
  }
}

describe("key hints", () => {
  it("keep the hints of the keys set last, up to the capacity", () => {
    const hints = makeKeyHints(2)
    hints.set("a", released)
    hints.set("b", "contended")
    hints.set("a", "contended") // a is now the most recent
    hints.set("c", released)
    assert.strictEqual(hints.get("a"), "contended")
    assert.strictEqual(hints.get("b"), undefined)
    assert.strictEqual(hints.get("c"), released)
    hints.delete("c")
    assert.strictEqual(hints.get("c"), undefined)
  })

  it("a client locking a new key for every job keeps no more than the capacity", () => {
    const hints = makeKeyHints(100)
    for (let i = 0; i < 10_000; i++) hints.set(`job-${i}`, released)
    const kept = Array.from({ length: 10_000 }, (_, i) => hints.get(`job-${i}`)).filter((hint) => hint !== undefined)
    assert.strictEqual(kept.length, 100)
    assert.strictEqual(hints.get("job-9999"), released)
  })
})
