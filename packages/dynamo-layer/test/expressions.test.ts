/**
 * How the storage contract's updates are written as DynamoDB expressions, where the text itself matters: dynalite
 * parses every expression on the lock's hot path, a function call taking some 40 µs. That each form means what the
 * contract says is checked against the servers by conditions.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { Storage } from "@dynalock/core"
import { placeholders, updateExpression } from "../src/internal/expressions.js"

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
