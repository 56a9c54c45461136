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
    const bare = "SET #v = #v + :0, #s = #v + :0"
    assert.isTrue(versioned({ _tag: "Ours" }).startsWith(bare))
    assert.isTrue(versioned({ _tag: "VersionIs", version: 3 }).startsWith(bare))
    assert.isTrue(versioned(Storage.and({ _tag: "OwnerIs", owner: "t" }, { _tag: "Ours" })).startsWith(bare))
    const started = "SET #v = if_not_exists(#v, :0) + :1, #s = if_not_exists(#v, :0) + :1"
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

  it("an attribute's absence is written as attribute_not_exists, which dynalite parses faster than NOT attribute_exists", () => {
    assert.strictEqual(rendered(Storage.not({ _tag: "HasOwner" })), "attribute_not_exists(#o)")
    assert.strictEqual(rendered(Storage.absent), "attribute_not_exists(#k)")
    assert.strictEqual(rendered(Storage.not(noLimit)), "attribute_not_exists(#k) OR attribute_exists(#n)")
    const releasedClaim = rendered(
      Storage.and({ _tag: "Ours" }, noLimit, Storage.not({ _tag: "HasOwner" }), { _tag: "LineSize", size: 0 })
    )
    assert.notInclude(releasedClaim, "NOT attribute_exists")
    assert.include(releasedClaim, "attribute_not_exists(#o)")
  })

  it("an empty list is written as the negation of a comparison that a missing list fails", () => {
    assert.strictEqual(rendered({ _tag: "LineSize", size: 0 }), "NOT size(#l) > :0")
    assert.strictEqual(rendered({ _tag: "ListIs", list: "holders", entries: [] }), "NOT size(#r) > :0")
    assert.strictEqual(rendered(Storage.not({ _tag: "LineSize", size: 0 })), "size(#l) > :0")
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
    assert.deepStrictEqual(request.ExpressionAttributeNames, { "#s": "stamp", "#v": "version" })
    assert.isUndefined(request.ExpressionAttributeValues)
  })

  it("give an equal number or string one placeholder, and every list its own", () => {
    const p = placeholders()
    const [one, token, list, otherOne, otherToken, otherList] = [1, "t", ["e"], 1, "t", ["e"]].map((value) =>
      p.value(value)
    )
    assert.strictEqual(otherOne, one)
    assert.strictEqual(otherToken, token)
    assert.notStrictEqual(otherList, list)
    assert.notStrictEqual(token, one)
    const request = p.toRequest([one, token, list, otherList].join(" "))
    assert.deepStrictEqual(request.ExpressionAttributeValues, {
      [one!]: { N: "1" },
      [token!]: { S: "t" },
      [list!]: { L: [{ S: "e" }] },
      [otherList!]: { L: [{ S: "e" }] }
    })
  })
})
