/**
 * The storage contract under the store: every backend evaluates conditions exactly as `Storage.conditionHolds`
 * says, applies updates exactly as `Storage.applyUpdate` says, and pages queries by `after`. The key/value and
 * lock semantics in core are only as right as this.
 */
import { assert, describe } from "@effect/vitest"
import { Storage } from "@dynalock/core"
import { Effect, Option } from "effect"
import type { SuiteContext } from "./context.js"

/** A stored item as plain data, so that equality does not depend on how Options were built. */
const plainItem = (item: Option.Option<Storage.StoredItem>) =>
  Option.match(item, {
    onNone: () => null,
    onSome: (found) => ({
      key: found.key,
      version: found.version,
      expiresAt: Option.getOrNull(found.expiresAt),
      foreign: found.foreign,
      payload: found.payload,
      owner: Option.getOrNull(found.lock.owner),
      fence: found.lock.fence,
      line: [...found.lock.line],
      since: found.lock.since,
      hold: found.lock.hold,
      limit: Option.getOrNull(found.lock.limit),
      holders: [...found.lock.holders]
    })
  })

const always = Storage.always
const bytes = (text: string): Storage.Payload => ({ _tag: "Bytes", bytes: new TextEncoder().encode(text) })

type Write =
  | ({ readonly _tag: "Update" } & Omit<Storage.UpdateRequest, "key" | "condition">)
  | { readonly _tag: "Foreign"; readonly expiresAt?: number; readonly payload?: Storage.Payload }

const update = (fields: Omit<Storage.UpdateRequest, "key" | "condition">): Write => ({ _tag: "Update", ...fields })

const entry = (n: number) => `e${n}`

/** Item states a condition is tried against, written relative to `at`, the time the conditions use. */
const states = (at: number): ReadonlyArray<{ readonly name: string; readonly writes: ReadonlyArray<Write> }> => [
  { name: "absent", writes: [] },
  { name: "live v1", writes: [update({ payload: bytes("a"), expiresAt: Option.none() })] },
  {
    name: "v2 leased by me",
    writes: [
      update({ payload: bytes("a"), expiresAt: Option.none() }),
      update({ owner: Option.some("me"), expiresAt: Option.some(at + 60_000), since: at })
    ]
  },
  { name: "expired v1", writes: [update({ payload: bytes("a"), expiresAt: Option.some(at - 5_000) })] },
  { name: "v1 expiring exactly now", writes: [update({ payload: bytes("a"), expiresAt: Option.some(at) })] },
  {
    name: "v1 with a line of three",
    writes: [
      update({ payload: bytes("a"), owner: Option.some("other"), expiresAt: Option.some(at + 1_000) }),
      ...[1, 2, 3].map((n) => update({ bump: false, line: { _tag: "Append", entry: entry(n) } }))
    ]
  },
  {
    name: "a semaphore of 2 with one holder",
    writes: [update({ expiresAt: Option.none(), limit: 2, holders: { _tag: "Set", entries: ["h1"] } })]
  },
  {
    name: "v1 with a line emptied",
    writes: [
      update({ payload: bytes("a"), expiresAt: Option.none() }),
      update({ bump: false, line: { _tag: "Append", entry: entry(1) } }),
      update({ bump: false, line: { _tag: "Remove", indices: [0] } })
    ]
  }
]

/** The same with writes of Go dynalock's kind, for backends that can make them. */
const foreignStates = (at: number): ReadonlyArray<{ readonly name: string; readonly writes: ReadonlyArray<Write> }> => [
  { name: "written by Go only, live", writes: [{ _tag: "Foreign", payload: bytes("go"), expiresAt: at + 30_000 }] },
  { name: "written by Go only, expired", writes: [{ _tag: "Foreign", payload: bytes("go"), expiresAt: at - 30_000 }] },
  {
    name: "ours expired, then rewritten by Go to live",
    writes: [
      update({ payload: bytes("a"), owner: Option.some("me"), expiresAt: Option.some(at - 5_000) }),
      { _tag: "Foreign", expiresAt: at + 30_000 }
    ]
  },
  {
    name: "ours live, then rewritten by Go to expired",
    writes: [
      update({ payload: bytes("a"), expiresAt: Option.some(at + 60_000) }),
      { _tag: "Foreign", expiresAt: at - 30_000 }
    ]
  },
  {
    name: "Go's, then rewritten by us",
    writes: [
      { _tag: "Foreign", payload: bytes("go"), expiresAt: at + 30_000 },
      update({ expiresAt: Option.some(at - 1) })
    ]
  }
]

const conditions = (at: number): ReadonlyArray<readonly [string, Storage.Condition]> => {
  const c = (condition: Storage.Condition): Storage.Condition => condition
  return [
    ["Always", always],
    ["Exists", c({ _tag: "Exists" })],
    ["absent", Storage.absent],
    ["VersionIs(1)", c({ _tag: "VersionIs", version: 1 })],
    ["VersionIs(2)", c({ _tag: "VersionIs", version: 2 })],
    ["Ours", c({ _tag: "Ours" })],
    ["not Ours", Storage.not({ _tag: "Ours" })],
    ["ExpiredAt(now)", c({ _tag: "ExpiredAt", at })],
    ["ExpiredAt(now - 5 s)", c({ _tag: "ExpiredAt", at: at - 5_000 })],
    ["ExpiredAt(now + 30 s)", c({ _tag: "ExpiredAt", at: at + 30_000 })],
    ["notLive(now)", Storage.notLive(at)],
    ["liveVersion(1, now)", Storage.liveVersion(1, at)],
    ["HasOwner", c({ _tag: "HasOwner" })],
    ["OwnerIs(me)", c({ _tag: "OwnerIs", owner: "me" })],
    ["OwnerIs(other)", c({ _tag: "OwnerIs", owner: "other" })],
    ["LeaseEndsBefore(now + 60 s)", c({ _tag: "LeaseEndsBefore", at: at + 60_000 })],
    ["LeaseEndsBefore(now + 60.001 s)", c({ _tag: "LeaseEndsBefore", at: at + 60_001 })],
    ["StartedFrom(now)", c({ _tag: "StartedFrom", at })],
    ["StartedFrom(now + 1 ms)", c({ _tag: "StartedFrom", at: at + 1 })],
    ["not StartedFrom(now)", Storage.not({ _tag: "StartedFrom", at })],
    ["LineSize(0)", c({ _tag: "LineSize", size: 0 })],
    ["LineSize(3)", c({ _tag: "LineSize", size: 3 })],
    ["LineAt(1, e2)", c({ _tag: "LineAt", index: 1, entry: entry(2) })],
    ["LineAt(0, e2)", c({ _tag: "LineAt", index: 0, entry: entry(2) })],
    ["LineAt(7, e1)", c({ _tag: "LineAt", index: 7, entry: entry(1) })],
    ["LineContains(e3)", c({ _tag: "LineContains", entry: entry(3) })],
    ["not LineContains(e9)", Storage.not({ _tag: "LineContains", entry: entry(9) })],
    ["ListIs(line, e1 e2 e3)", c({ _tag: "ListIs", list: "line", entries: [entry(1), entry(2), entry(3)] })],
    ["ListIs(line, none)", c({ _tag: "ListIs", list: "line", entries: [] })],
    ["ListIs(holders, h1)", c({ _tag: "ListIs", list: "holders", entries: ["h1"] })],
    ["ListIs(holders, none)", c({ _tag: "ListIs", list: "holders", entries: [] })],
    ["LineAt(holders, 0, h1)", c({ _tag: "LineAt", list: "holders", index: 0, entry: "h1" })],
    ["LineSize(holders, 1)", c({ _tag: "LineSize", list: "holders", size: 1 })],
    ["LimitIs(2)", c({ _tag: "LimitIs", limit: Option.some(2) })],
    ["LimitIs(3)", c({ _tag: "LimitIs", limit: Option.some(3) })],
    ["LimitIs(none)", c({ _tag: "LimitIs", limit: Option.none() })],
    [
      "free and nobody in line",
      Storage.or(
        Storage.absent,
        Storage.and({ _tag: "Ours" }, Storage.or(Storage.not({ _tag: "HasOwner" }), { _tag: "ExpiredAt", at }), {
          _tag: "LineSize",
          size: 0
        })
      )
    ],
    ["Or() (never)", Storage.or()],
    ["not Always (never)", Storage.not(always)],
    [
      "And(Exists, Or(Always, VersionIs(9)))",
      Storage.and({ _tag: "Exists" }, Storage.or(always, { _tag: "VersionIs", version: 9 }))
    ]
  ]
}

/** Registers the tests of the storage contract itself. */
export const storageContractTests = <R>({ backend, fresh, now, test }: SuiteContext<R>): void => {
  describe("storage contract", () => {
    const writeAll = (partition: string, storage: Storage.Storage, key: string, writes: ReadonlyArray<Write>) =>
      Effect.forEach(
        writes,
        (write) =>
          write._tag === "Update"
            ? Effect.asVoid(storage.update({ ...write, key, condition: always }))
            : backend.writeForeign!(partition, key, write),
        { discard: true }
      )

    // Conditions carry their own times, so expiry is exercised without waiting: items expire relative to them.
    const conditionTable = (operation: "update" | "delete") =>
      Effect.gen(function* () {
        const { partition, storage } = yield* fresh
        const at = (yield* now) + 100_000
        const tried = [...states(at), ...(backend.writeForeign === undefined ? [] : foreignStates(at))]
        for (const [name, condition] of conditions(at)) {
          for (const state of tried) {
            const key = `${name} on ${state.name}`
            yield* writeAll(partition, storage, key, state.writes)
            const before = yield* storage.get(key, true)
            const holds = Storage.conditionHolds(condition, before)
            const outcome =
              operation === "update"
                ? yield* storage.update({ key, condition, payload: bytes("updated"), expiresAt: Option.some(at + 7) })
                : yield* storage.delete({ key, condition })
            const after = yield* storage.get(key, true)
            assert.strictEqual(outcome._tag, holds ? "Applied" : "Rejected", key)
            if (outcome._tag === "Rejected") {
              // dynalite ignores ReturnValuesOnConditionCheckFailure; the contract then wants the backend to read
              // the item, since core decides on it.
              assert.deepStrictEqual(
                plainItem(outcome.current),
                plainItem(before),
                `${key}: a rejection carries the item`
              )
              assert.deepStrictEqual(plainItem(after), plainItem(before), `${key}: a rejection changes nothing`)
            } else if (operation === "update") {
              assert.deepStrictEqual(
                plainItem(outcome.item),
                plainItem(after),
                `${key}: an update returns the new item`
              )
              assert.deepStrictEqual(
                plainItem(after),
                plainItem(
                  Option.some(
                    Storage.applyUpdate(before, {
                      key,
                      condition,
                      payload: bytes("updated"),
                      expiresAt: Option.some(at + 7)
                    })
                  )
                ),
                `${key}: applied as Storage.applyUpdate says`
              )
            } else {
              assert.deepStrictEqual(
                plainItem(outcome.item),
                plainItem(before),
                `${key}: a delete returns the old item`
              )
              assert.isTrue(Option.isNone(after), `${key}: deleted`)
            }
          }
        }
      })

    test(
      "conditional updates apply exactly when Storage.conditionHolds says so",
      () => conditionTable("update"),
      120_000
    )
    test(
      "conditional deletes apply exactly when Storage.conditionHolds says so",
      () => conditionTable("delete"),
      120_000
    )

    if (backend.writeForeign !== undefined) {
      test("an item Go dynalock rewrote reads with Go's expiry, as foreign, its other attributes kept", () =>
        Effect.gen(function* () {
          const { partition, storage } = yield* fresh
          const at = yield* now
          yield* storage.update({
            key: "k",
            condition: always,
            payload: bytes("a"),
            owner: Option.some("me"),
            expiresAt: Option.some(at + 1_234),
            fenceSeed: 10
          })
          yield* backend.writeForeign!(partition, "k", { expiresAt: at + 60_000 })
          const stored = plainItem(yield* storage.get("k", true))
          assert.strictEqual(stored?.version, 2)
          assert.isTrue(stored?.foreign)
          assert.strictEqual(stored?.expiresAt, Math.floor((at + 60_000) / 1000) * 1000)
          assert.strictEqual(stored?.owner, "me", "Go leaves the lock attributes as they were")
          assert.strictEqual(stored?.fence, 11)
          yield* storage.update({ key: "k", condition: always, expiresAt: Option.some(at + 5) })
          const ours = plainItem(yield* storage.get("k", true))
          assert.isFalse(ours?.foreign, "our next versioned write makes it ours again")
          assert.strictEqual(ours?.expiresAt, at + 5)
        }))

      test("foreignExpiresAt is the expiry Go dynalock reads; readers through the contract read expiresAt", () =>
        Effect.gen(function* () {
          const { partition, storage } = yield* fresh
          const at = yield* now
          const write = (foreignExpiresAt: number | undefined) =>
            storage.update({ key: "k", condition: always, expiresAt: Option.some(at + 1_500), foreignExpiresAt })
          const goReads = (shown: number) =>
            Effect.gen(function* () {
              const ours = plainItem(yield* storage.get("k", true))
              assert.strictEqual(ours?.expiresAt, at + 1_500)
              // Go's write without an expiry keeps the `expires` it read.
              yield* backend.writeForeign!(partition, "k", {})
              assert.strictEqual(plainItem(yield* storage.get("k", true))?.expiresAt, Math.ceil(shown / 1000) * 1000)
            })
          yield* write(at + 9_000)
          yield* goReads(at + 9_000)
          yield* write(at - 2_000)
          yield* goReads(at - 2_000)
          yield* write(undefined)
          yield* goReads(at + 1_500)
        }))
    }

    test("an update sets the fields it names, keeps the others, and counts the version", () =>
      Effect.gen(function* () {
        const { storage } = yield* fresh
        const at = yield* now
        const apply = (fields: Omit<Storage.UpdateRequest, "key" | "condition">) =>
          Effect.gen(function* () {
            const before = yield* storage.get("k", true)
            const outcome = yield* storage.update({ key: "k", condition: always, ...fields })
            const stored = yield* storage.get("k", true)
            assert.strictEqual(outcome._tag, "Applied")
            if (outcome._tag === "Applied") assert.deepStrictEqual(plainItem(outcome.item), plainItem(stored))
            assert.deepStrictEqual(
              plainItem(stored),
              plainItem(Option.some(Storage.applyUpdate(before, { key: "k", condition: always, ...fields })))
            )
            return plainItem(stored)
          })
        const payload = bytes("payload")
        const base = {
          key: "k",
          foreign: false,
          payload,
          owner: "a",
          fence: 11,
          since: 7,
          hold: 40,
          limit: null,
          holders: []
        }
        assert.deepStrictEqual(
          yield* apply({
            payload,
            expiresAt: Option.some(at + 1_234),
            owner: Option.some("a"),
            fenceSeed: 10,
            since: 7,
            hold: 40
          }),
          { ...base, version: 1, expiresAt: at + 1_234, line: [] }
        )
        assert.deepStrictEqual(
          yield* apply({ expiresAt: Option.some(at + 1_234) }),
          { ...base, version: 2, expiresAt: at + 1_234, line: [] },
          "fields left undefined keep their values"
        )
        for (const n of [1, 2, 3, 4]) yield* apply({ bump: false, line: { _tag: "Append", entry: entry(n) } })
        assert.deepStrictEqual(
          yield* apply({ bump: false, line: { _tag: "Replace", index: 1, entry: "e2'" } }),
          { ...base, version: 2, expiresAt: at + 1_234, line: ["e1", "e2'", "e3", "e4"] },
          "line changes are not versioned writes"
        )
        assert.deepStrictEqual(
          (yield* apply({ bump: false, line: { _tag: "Remove", indices: [0, 2, 9] } }))?.line,
          ["e2'", "e4"],
          "removals are by the indices before the update; those past the end are ignored"
        )
        assert.deepStrictEqual(
          (yield* apply({ bump: false, line: { _tag: "Replace", index: 5, entry: "e5" } }))?.line,
          ["e2'", "e4", "e5"],
          "a replacement past the end appends"
        )
        assert.deepStrictEqual(
          yield* apply({
            payload: { _tag: "Empty" },
            expiresAt: Option.none(),
            owner: Option.none(),
            fenceSeed: 100,
            line: { _tag: "Remove", indices: [2, 1, 0] }
          }),
          { ...base, version: 3, expiresAt: null, payload: { _tag: "Empty" }, owner: null, fence: 12, line: [] },
          "Empty and none remove attributes; the fence seed only matters for an item without a fence"
        )
        assert.deepStrictEqual(
          yield* apply({ expiresAt: Option.none(), limit: 3, holders: { _tag: "Set", entries: ["a", "b"] } }),
          {
            ...base,
            version: 4,
            expiresAt: null,
            payload: { _tag: "Empty" },
            owner: null,
            fence: 12,
            line: [],
            limit: 3,
            holders: ["a", "b"]
          },
          "a semaphore's limit and holders"
        )
        assert.deepStrictEqual(
          (yield* apply({ bump: false, holders: { _tag: "Replace", index: 1, entry: "b'" } }))?.holders,
          ["a", "b'"]
        )
        assert.deepStrictEqual((yield* apply({ bump: false, holders: { _tag: "Remove", indices: [0] } }))?.holders, [
          "b'"
        ])
        assert.deepStrictEqual(
          (yield* apply({ bump: false, holders: { _tag: "Set", entries: [] } }))?.holders,
          [],
          "an empty set removes them"
        )
        const native: Storage.Payload = {
          _tag: "Native",
          value: { list: [1, "two", null, true], bytes: Uint8Array.from([1]) }
        }
        assert.deepStrictEqual((yield* apply({ payload: native, expiresAt: Option.none() }))?.payload, native)
      }))

    test("requests outside the contract are refused whole: a versioned update without expiry, entry changes on no line", () =>
      Effect.gen(function* () {
        const { storage } = yield* fresh
        yield* storage.update({ key: "k", condition: always, payload: bytes("a"), expiresAt: Option.none() })
        const before = plainItem(yield* storage.get("k", true))
        const refused = (request: Storage.UpdateRequest) =>
          Effect.map(Effect.flip(storage.update(request)), (error) => assert.strictEqual(error.reason, "Validation"))
        yield* refused({ key: "k", condition: always, payload: bytes("b") })
        yield* refused({ key: "k", condition: always, bump: false, line: { _tag: "Remove", indices: [0] } })
        yield* refused({ key: "k", condition: always, bump: false, line: { _tag: "Replace", index: 0, entry: "x" } })
        assert.deepStrictEqual(plainItem(yield* storage.get("k", true)), before)
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
        for (const key of ["q/d", "q/b", "q/a", "q/c", "qq", "p"]) {
          yield* storage.update({ key, condition: always, payload: bytes(key), expiresAt: Option.none() })
        }
        const first = yield* storage.query({ prefix: "q/", consistent: true, after: Option.none(), limit: 2 })
        assert.deepStrictEqual(
          first.items.map((item) => item.key),
          ["q/a", "q/b"]
        )
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
        assert.deepStrictEqual(
          all.items.map((item) => item.key),
          ["p", "q/a", "q/b", "q/c", "q/d", "qq"]
        )
        assert.isTrue(Option.isNone(all.next))
      }))
  })
}
