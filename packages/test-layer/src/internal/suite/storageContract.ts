/**
 * The storage contract under the store: every backend evaluates conditions exactly as `Storage.conditionHolds`
 * says, applies updates field by field as `UpdateRequest` documents, and pages queries by `after`. The key/value
 * and lock semantics in core are only as right as this.
 */
import { assert, describe } from "@effect/vitest"
import { Storage } from "@dynalock/core"
import { Effect, Option } from "effect"
import type { SuiteContext } from "./context.js"

/** A stored item as plain data, so that equality does not depend on how Options were built. */
const plain = (item: Option.Option<Storage.StoredItem>) =>
  Option.match(item, {
    onNone: () => null,
    onSome: (found) => ({
      key: found.key,
      version: found.version,
      expiresAt: Option.getOrNull(found.expiresAt),
      payload: found.payload,
      owner: Option.getOrNull(found.lock.owner),
      fence: found.lock.fence,
      ticket: found.lock.ticket,
      served: found.lock.served
    })
  })

const always: Storage.Condition = { _tag: "Always" }
const bytes = (text: string): Storage.Payload => ({ _tag: "Bytes", bytes: new TextEncoder().encode(text) })

/** Item states a condition is tried against, written relative to `at`, the `now` the conditions use. */
const states = (at: number): ReadonlyArray<{ readonly name: string; readonly writes: ReadonlyArray<Omit<Storage.UpdateRequest, "key" | "condition">> }> => [
  { name: "absent", writes: [] },
  { name: "live v1", writes: [{ payload: bytes("a"), expiresAt: Option.none() }] },
  { name: "live v2 owned by me", writes: [{ payload: bytes("a") }, { owner: Option.some("me"), expiresAt: Option.some(at + 60_000) }] },
  { name: "expired v1", writes: [{ payload: bytes("a"), expiresAt: Option.some(at - 5_000) }] },
  { name: "v1 expiring exactly now", writes: [{ payload: bytes("a"), expiresAt: Option.some(at) }] }
]

const conditions = (at: number): ReadonlyArray<Storage.Condition> => [
  { _tag: "Always" },
  { _tag: "NotLive", now: at },
  { _tag: "LiveVersion", version: 1, now: at },
  { _tag: "LiveVersion", version: 2, now: at },
  { _tag: "Version", version: Option.some(1) },
  { _tag: "Version", version: Option.some(2) },
  { _tag: "Version", version: Option.none() },
  { _tag: "Owner", owner: "me" },
  { _tag: "Owner", owner: "someone else" }
]

const describeCondition = (condition: Storage.Condition): string => {
  switch (condition._tag) {
    case "LiveVersion":
      return `LiveVersion(${condition.version})`
    case "Version":
      return `Version(${Option.getOrElse(condition.version, () => "absent")})`
    case "Owner":
      return `Owner(${condition.owner})`
    default:
      return condition._tag
  }
}

/** Registers the tests of the storage contract itself. */
export const storageContractTests = <R>({ fresh, now, test }: SuiteContext<R>): void => {
  describe("storage contract", () => {
    // Conditions carry their own `now`, so expiry is exercised without waiting: items expire relative to it.
    const conditionTable = (operation: "update" | "delete") =>
      Effect.gen(function* () {
        const { storage } = yield* fresh
        const at = (yield* now) + 100_000
        for (const condition of conditions(at)) {
          for (const state of states(at)) {
            const key = `${describeCondition(condition)} on ${state.name}`
            for (const write of state.writes) yield* storage.update({ key, condition: always, ...write })
            const before = yield* storage.get(key, true)
            const holds = Storage.conditionHolds(condition, before)
            const outcome =
              operation === "update"
                ? yield* storage.update({ key, condition, payload: bytes("updated") })
                : yield* storage.delete({ key, condition })
            const after = yield* storage.get(key, true)
            assert.strictEqual(outcome._tag, holds ? "Applied" : "Rejected", key)
            if (outcome._tag === "Rejected") {
              // dynalite ignores ReturnValuesOnConditionCheckFailure; the contract then wants the backend to read
              // the item, since core tells KeyNotFound from KeyModified by it.
              assert.deepStrictEqual(plain(outcome.current), plain(before), `${key}: a rejection carries the item`)
              assert.deepStrictEqual(plain(after), plain(before), `${key}: a rejection changes nothing`)
            } else if (operation === "update") {
              assert.deepStrictEqual(plain(outcome.item), plain(after), `${key}: an update returns the new item`)
              assert.strictEqual(Option.getOrThrow(after).version, Option.match(before, { onNone: () => 1, onSome: (item) => item.version + 1 }))
            } else {
              assert.deepStrictEqual(plain(outcome.item), plain(before), `${key}: a delete returns the old item`)
              assert.isTrue(Option.isNone(after), `${key}: deleted`)
            }
          }
        }
      })

    test("conditional updates apply exactly when Storage.conditionHolds says so", () => conditionTable("update"), 60_000)
    test("conditional deletes apply exactly when Storage.conditionHolds says so", () => conditionTable("delete"), 60_000)

    test("an update sets the fields it names, keeps the others, and counts the version", () =>
      Effect.gen(function* () {
        const { storage } = yield* fresh
        const at = yield* now
        const update = (fields: Omit<Storage.UpdateRequest, "key" | "condition">) =>
          Effect.flatMap(storage.update({ key: "k", condition: always, ...fields }), (outcome) =>
            Effect.map(storage.get("k", true), (stored) => {
              assert.strictEqual(outcome._tag, "Applied")
              if (outcome._tag === "Applied") assert.deepStrictEqual(plain(outcome.item), plain(stored))
              return plain(stored)
            })
          )
        const payload = bytes("payload")
        assert.deepStrictEqual(
          yield* update({ payload, expiresAt: Option.some(at + 1_234), owner: Option.some("a"), fenceSeed: 10, takeTicket: true, served: 3 }),
          { key: "k", version: 1, expiresAt: at + 1_234, payload, owner: "a", fence: 11, ticket: 1, served: 3 }
        )
        assert.deepStrictEqual(
          yield* update({}),
          { key: "k", version: 2, expiresAt: at + 1_234, payload, owner: "a", fence: 11, ticket: 1, served: 3 },
          "fields left undefined keep their stored values"
        )
        assert.deepStrictEqual(
          yield* update({ payload: { _tag: "Empty" }, expiresAt: Option.none(), owner: Option.none(), fenceSeed: 100, takeTicket: true }),
          { key: "k", version: 3, expiresAt: null, payload: { _tag: "Empty" }, owner: null, fence: 12, ticket: 2, served: 3 },
          "Empty and none remove attributes; the fence seed only matters for an item without a fence"
        )
        const native: Storage.Payload = { _tag: "Native", value: { list: [1, "two", null, true], bytes: Uint8Array.from([1]) } }
        assert.deepStrictEqual((yield* update({ payload: native }))?.payload, native)
      }))

    test("a delete of an absent item applies and returns no item", () =>
      Effect.gen(function* () {
        const { storage } = yield* fresh
        const outcome = yield* storage.delete({ key: "absent", condition: always })
        assert.deepStrictEqual(outcome, { _tag: "Applied", item: Option.none() })
      }))

    test("queries page in key order by after and limit, and match the prefix only", () =>
      Effect.gen(function* () {
        const { storage } = yield* fresh
        for (const key of ["q/d", "q/b", "q/a", "q/c", "qq", "p"]) yield* storage.update({ key, condition: always, payload: bytes(key) })
        const first = yield* storage.query({ prefix: "q/", consistent: true, after: Option.none(), limit: 2 })
        assert.deepStrictEqual(first.items.map((item) => item.key), ["q/a", "q/b"])
        assert.deepStrictEqual(Option.getOrNull(first.next), "q/b")
        const seen = [...first.items.map((item) => item.key)]
        let next = first.next
        while (Option.isSome(next)) {
          const page = yield* storage.query({ prefix: "q/", consistent: false, after: next, limit: 2 })
          seen.push(...page.items.map((item) => item.key))
          next = page.next
        }
        assert.deepStrictEqual(seen, ["q/a", "q/b", "q/c", "q/d"])
        const all = yield* storage.query({ prefix: "", consistent: true, after: Option.none() })
        assert.deepStrictEqual(all.items.map((item) => item.key), ["p", "q/a", "q/b", "q/c", "q/d", "qq"])
        assert.isTrue(Option.isNone(all.next))
      }))
  })
}
