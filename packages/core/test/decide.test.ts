// The lock protocol's decision function, case by case (it is pure: record, waiter, time in; step out).
import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { decide } from "../src/internal/lock/decide.js"
import type { StoredItem } from "../src/Storage.js"
import { noLock } from "../src/Storage.js"

const settings = { skew: 100, grace: 1000 }

const record = (fields: Partial<StoredItem["lock"]> & { readonly expiresAt?: number }): Option.Option<StoredItem> =>
  Option.some({
    key: "job",
    version: 7,
    expiresAt: fields.expiresAt === undefined ? Option.none() : Option.some(fields.expiresAt),
    payload: { _tag: "Empty" },
    lock: { ...noLock, ...fields }
  })

describe("decide", () => {
  it("no record: acquire", () => {
    assert.deepStrictEqual(decide(Option.none(), "me", Option.none(), 0, settings), { _tag: "Acquire", served: 0 })
  })

  it("our own token: the lease is ours (a write whose answer was lost did apply)", () => {
    const current = record({ owner: Option.some("me"), fence: 3, expiresAt: 5000 })
    assert.strictEqual(decide(current, "me", Option.none(), 1000, settings)._tag, "Mine")
  })

  it("held by another: join the line, then wait until the lease end plus the skew bound", () => {
    const current = record({ owner: Option.some("other"), fence: 3, expiresAt: 5000, ticket: 2, served: 1 })
    assert.strictEqual(decide(current, "me", Option.none(), 1000, settings)._tag, "TakeTicket")
    assert.deepStrictEqual(decide(current, "me", Option.some(2), 1000, settings), { _tag: "Wait", until: 5100 })
  })

  it("an expired lease is taken over only once it is expired by more than the skew bound", () => {
    const current = record({ owner: Option.some("other"), fence: 3, expiresAt: 5000 })
    assert.strictEqual(decide(current, "me", Option.none(), 5099, settings)._tag, "TakeTicket")
    assert.deepStrictEqual(decide(current, "me", Option.none(), 5100, settings), { _tag: "Acquire", served: 0 })
  })

  it("a released lock goes to the first ticket in line; later tickets get it one grace period after each other", () => {
    // Released at 2000; tickets 4 and 5 are in line (served 3).
    const current = record({ fence: 3, expiresAt: 2000, ticket: 5, served: 3 })
    assert.deepStrictEqual(decide(current, "first", Option.some(4), 2001, settings), { _tag: "Acquire", served: 4 })
    assert.deepStrictEqual(decide(current, "second", Option.some(5), 2001, settings), { _tag: "Wait", until: 3000 })
    assert.deepStrictEqual(decide(current, "second", Option.some(5), 3000, settings), { _tag: "Acquire", served: 5 })
    // Without a ticket: only once everyone in line had their turn.
    assert.strictEqual(decide(current, "late", Option.none(), 3999, settings)._tag, "TakeTicket")
    assert.deepStrictEqual(decide(current, "late", Option.none(), 4000, settings), { _tag: "Acquire", served: 5 })
  })

  it("a ticket that was skipped or belongs to an older record is not in line any more", () => {
    const current = record({ fence: 3, expiresAt: 2000, ticket: 5, served: 4 })
    assert.strictEqual(decide(current, "me", Option.some(3), 9000, settings)._tag, "Acquire")
    const held = record({ owner: Option.some("other"), fence: 3, expiresAt: 9000, ticket: 1, served: 1 })
    assert.strictEqual(decide(held, "me", Option.some(8), 1000, settings)._tag, "TakeTicket")
  })

  it("a foreign lease (Go dynalock writes no owner and no fence) is respected until it expires", () => {
    const goLock = record({ expiresAt: 5000 })
    assert.strictEqual(decide(goLock, "me", Option.none(), 1000, settings)._tag, "TakeTicket")
    assert.deepStrictEqual(decide(goLock, "me", Option.none(), 5100, settings), { _tag: "Acquire", served: 0 })
    // A plain item that never expires is no lease.
    assert.deepStrictEqual(decide(record({}), "me", Option.none(), 1000, settings), { _tag: "Acquire", served: 0 })
  })
})
