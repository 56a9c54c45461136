/**
 * How the storage contract's updates are written as DynamoDB expressions, where the text itself matters: dynalite
 * parses every expression on the lock's hot path, a function call taking some 40 µs. That each form means what the
 * contract says is checked against the servers by conditions.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { Storage } from "@dynalock/core"
import { conditionExpression, placeholders, updateExpression } from "../src/internal/expressions.js"

const versioned = (condition: Storage.Condition): string =>
  updateExpression(placeholders(), { key: "k", condition, expiresAt: Option.some(1_000) })

describe("update expressions", () => {
  it("a versioned write whose condition needs a version reads it as it is; one that may make the item starts it at 0", () => {
    const bare = "SET #version = #version + :one0, #stamp = #version + :one0"
    assert.isTrue(versioned({ _tag: "Ours" }).startsWith(bare))
    assert.isTrue(versioned({ _tag: "VersionIs", version: 3 }).startsWith(bare))
    assert.isTrue(versioned(Storage.and({ _tag: "OwnerIs", owner: "t" }, { _tag: "Ours" })).startsWith(bare))
    const started = "SET #version = if_not_exists(#version, :zero0) + :one1, #stamp = if_not_exists(#version, :zero0)"
    for (const condition of [
      { _tag: "Always" },
      { _tag: "Exists" },
      Storage.or(Storage.not({ _tag: "Exists" }), { _tag: "Ours" }),
      Storage.not({ _tag: "Ours" })
    ] satisfies ReadonlyArray<Storage.Condition>) {
      assert.isTrue(versioned(condition).startsWith(started), JSON.stringify(condition))
    }
  })
})

/** The text without its function calls' parentheses: what is left are groupings. */
const groupings = (text: string): number => (text.replace(/\w+\([^()]*\)/g, "f").match(/\(/g) ?? []).length

describe("condition expressions", () => {
  const rendered = (condition: Storage.Condition): string =>
    Option.getOrThrow(conditionExpression(placeholders(), condition))
  const freeLease = Storage.or(Storage.not({ _tag: "HasOwner" }), { _tag: "ExpiredAt", at: 5 })
  const noLimit: Storage.Condition = { _tag: "LimitIs", limit: Option.none() }

  it("the lock's claims are written without groupings, which dynalite takes some 0.5 ms each to parse", () => {
    const blindClaim = Storage.or(
      Storage.absent,
      Storage.and({ _tag: "Ours" }, noLimit, freeLease, { _tag: "LineSize", size: 0 })
    )
    const turnClaim = Storage.and({ _tag: "Ours" }, noLimit, freeLease, { _tag: "LineAt", index: 0, entry: "e" })
    const releasedClaim = Storage.and({ _tag: "Ours" }, noLimit, Storage.not({ _tag: "HasOwner" }), {
      _tag: "LineSize",
      size: 0
    })
    for (const condition of [blindClaim, turnClaim, releasedClaim]) {
      const text = rendered(condition)
      assert.strictEqual(groupings(text), 0, text)
    }
  })

  it("an empty list is written as the negation of a comparison that a missing list fails", () => {
    assert.strictEqual(rendered({ _tag: "LineSize", size: 0 }), "NOT size(#line) > :size0")
    assert.strictEqual(rendered({ _tag: "ListIs", list: "holders", entries: [] }), "NOT size(#holders) > :size0")
    assert.strictEqual(rendered(Storage.not({ _tag: "LineSize", size: 0 })), "size(#line) > :size0")
  })

  it("groupings that would spread into too many alternatives are kept", () => {
    const wide = Storage.and(
      ...[1, 2, 3].map((version) =>
        Storage.or({ _tag: "VersionIs", version }, { _tag: "OwnerIs", owner: `o${version}` })
      )
    )
    assert.strictEqual(groupings(rendered(wide)), 3)
  })
})

describe("request placeholders", () => {
  it("declare only what the expressions use: a part of a condition found implied may have named attributes", () => {
    const p = placeholders()
    const ours: Storage.Condition = { _tag: "Ours" }
    // Within "ours", `Exists` is implied: the alternative holds whatever its other parts named.
    const condition = Storage.and(
      ours,
      Storage.or(Storage.or(Storage.absent, { _tag: "ExpiredAt", at: 5 }), { _tag: "Exists" })
    )
    const text = Option.getOrThrow(conditionExpression(p, condition))
    const request = p.toRequest(text)
    assert.deepStrictEqual(Object.keys(request.ExpressionAttributeNames ?? {}).sort(), ["#stamp", "#version"])
    assert.isUndefined(request.ExpressionAttributeValues)
  })
})
