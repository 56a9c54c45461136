/**
 * The DynamoDB storage against the reference: the same random sequences of conditional writes, driven through
 * the storage contract on the memory table and on a local server, must give the same outcomes and leave the same
 * items, down to the second/millisecond boundaries of expiry.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import { Storage } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type * as LocalDynamoServer from "@dynalock/test-layer/LocalDynamo"
import { engines, freshPartition, rawClient, storageOn, writeAsGo } from "./support/dynamo.js"
import { localServer } from "./support/sharedDynamoDbLocal.js"

// A whole second, so that expiries land on, just before and just after second boundaries; an hour ahead, because
// DynamoDB Local's TTL really deletes items whose `expires` has passed, and conditions only use the `now` they are
// given.
const base = Math.floor(Date.now() / 1000) * 1000 + 3_600_000
const offsets = [-2000, -1001, -1000, -999, -1, 0, 1, 999, 1000, 1001, 2000]

type Op =
  | { readonly _tag: "Update"; readonly request: Storage.UpdateRequest }
  | { readonly _tag: "Delete"; readonly request: Storage.DeleteRequest }
  | { readonly _tag: "Get"; readonly key: string }
  /** A write as Go dynalock's Put makes it: `version` + 1, whole-second `expires`, payload; nothing else touched. */
  | { readonly _tag: "PutGo"; readonly key: string; readonly expiresAt?: number; readonly payload?: Storage.Payload }

const key = fc.constantFrom("a", "é")
const time = fc.constantFrom(...offsets).map((offset) => base + offset)
const entry = fc.constantFrom("e1", "e2", "e3")
const atom: fc.Arbitrary<Storage.Condition> = fc.oneof(
  fc.constant<Storage.Condition>({ _tag: "Always" }),
  fc.constant<Storage.Condition>({ _tag: "Exists" }),
  fc.constant<Storage.Condition>({ _tag: "Ours" }),
  fc.constant<Storage.Condition>({ _tag: "HasOwner" }),
  time.map((at): Storage.Condition => ({ _tag: "ExpiredAt", at })),
  time.map((at): Storage.Condition => ({ _tag: "LeaseEndsBefore", at })),
  // The writes below set `since` to 0-3 (or leave it out).
  fc.integer({ min: 1, max: 3 }).map((at): Storage.Condition => ({ _tag: "StartedFrom", at })),
  time.map(Storage.notLive),
  fc
    .record({ version: fc.integer({ min: 1, max: 3 }), now: time })
    .map(({ now, version }) => Storage.liveVersion(version, now)),
  fc.integer({ min: 1, max: 3 }).map((version): Storage.Condition => ({ _tag: "VersionIs", version })),
  fc.constantFrom("x", "y").map((owner): Storage.Condition => ({ _tag: "OwnerIs", owner })),
  fc.integer({ min: 0, max: 2 }).map((size): Storage.Condition => ({ _tag: "LineSize", size })),
  fc
    .record({ index: fc.integer({ min: 0, max: 2 }), entry })
    .map(({ entry, index }): Storage.Condition => ({ _tag: "LineAt", index, entry })),
  entry.map((entry): Storage.Condition => ({ _tag: "LineContains", entry })),
  fc
    .record({ index: fc.integer({ min: 0, max: 1 }), entry })
    .map(({ entry, index }): Storage.Condition => ({ _tag: "LineAt", list: "holders", index, entry })),
  fc.array(entry, { maxLength: 2 }).map((entries): Storage.Condition => ({ _tag: "ListIs", list: "holders", entries })),
  fc.array(entry, { maxLength: 2 }).map((entries): Storage.Condition => ({ _tag: "ListIs", list: "line", entries })),
  fc
    .option(fc.constantFrom(1, 2), { nil: undefined })
    .map((limit): Storage.Condition => ({ _tag: "LimitIs", limit: Option.fromNullable(limit) }))
)
const flat: fc.Arbitrary<Storage.Condition> = fc.oneof(
  { weight: 3, arbitrary: atom },
  { weight: 1, arbitrary: atom.map(Storage.not) },
  { weight: 1, arbitrary: fc.array(atom, { minLength: 1, maxLength: 3 }).map((all) => Storage.and(...all)) },
  { weight: 1, arbitrary: fc.array(atom, { minLength: 1, maxLength: 3 }).map((any) => Storage.or(...any)) }
)
// Alternatives within conjunctions and negations of either: the forms written with parentheses, or spread into
// alternatives of conjunctions.
const nested: fc.Arbitrary<Storage.Condition> = fc.oneof(
  fc.array(flat, { minLength: 2, maxLength: 3 }).map((all) => Storage.and(...all)),
  fc.array(flat, { minLength: 2, maxLength: 3 }).map((any) => Storage.or(...any)),
  fc.array(flat, { minLength: 1, maxLength: 3 }).map((all) => Storage.not(Storage.and(...all))),
  fc.array(flat, { minLength: 1, maxLength: 3 }).map((any) => Storage.not(Storage.or(...any)))
)
const condition: fc.Arbitrary<Storage.Condition> = fc.oneof(
  { weight: 3, arbitrary: flat },
  { weight: 2, arbitrary: nested }
)
const lineUpdate: fc.Arbitrary<Storage.LineUpdate> = fc.oneof(
  fc.array(entry, { maxLength: 3 }).map((entries): Storage.LineUpdate => ({ _tag: "Set", entries })),
  entry.map((entry): Storage.LineUpdate => ({ _tag: "Append", entry })),
  fc
    .record({ index: fc.integer({ min: 0, max: 3 }), entry })
    .map(({ entry, index }): Storage.LineUpdate => ({ _tag: "Replace", index, entry })),
  fc
    .array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 })
    .map((indices): Storage.LineUpdate => ({ _tag: "Remove", indices }))
)
const payload = fc.constantFrom<Storage.Payload>(
  { _tag: "Empty" },
  { _tag: "Bytes", bytes: new Uint8Array([1, 2, 3]) },
  { _tag: "Text", text: "aGk=" },
  { _tag: "Native", value: { a: 1, b: [true, null, "x"], c: { d: 1.5 } } }
)
const option = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined }).map(Option.fromNullable)

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          key,
          condition,
          payload,
          expiresAt: option(time),
          owner: option(fc.constantFrom("x", "y")),
          fenceSeed: fc.constantFrom(0, 7),
          since: fc.integer({ min: 0, max: 3 }),
          hold: fc.integer({ min: 0, max: 3 }),
          limit: fc.constantFrom(1, 2)
        },
        { requiredKeys: ["key", "condition", "expiresAt"] }
      )
      .map((request): Op => ({ _tag: "Update", request }))
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ key, condition, change: lineUpdate, list: fc.constantFrom<Storage.ListName>("line", "holders") })
      .map(({ change, condition, key, list }): Op => ({
        _tag: "Update",
        request: {
          key,
          bump: false,
          [list]: change,
          // The contract sends changes of entries only to an item whose list has some (DynamoDB refuses them otherwise).
          condition:
            change._tag === "Replace" || change._tag === "Remove"
              ? Storage.and(Storage.not({ _tag: "LineSize", list, size: 0 }), condition)
              : condition
        }
      }))
  },
  { weight: 2, arbitrary: fc.record({ key, condition }).map((request): Op => ({ _tag: "Delete", request })) },
  { weight: 1, arbitrary: key.map((key): Op => ({ _tag: "Get", key })) },
  {
    weight: 2,
    arbitrary: fc
      // Go writes a payload or leaves it; it cannot remove one.
      .record(
        { key, expiresAt: time, payload: payload.filter((value) => value._tag !== "Empty") },
        { requiredKeys: ["key"] }
      )
      .map((go): Op => ({ _tag: "PutGo", ...go }))
  }
)

/** A value with bytes as arrays and map keys sorted: DynamoDB does not keep the order of a map's keys. */
const canonical = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return Array.from(value)
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((name) => [name, canonical((value as Record<string, unknown>)[name])])
    )
  }
  return value
}

/** Items as plain data: equal when what the contract exposes is equal. */
const plain = (item: Option.Option<Storage.StoredItem>) =>
  Option.match(item, {
    onNone: () => null,
    onSome: (found) => ({
      key: found.key,
      version: found.version,
      expiresAt: Option.getOrNull(found.expiresAt),
      foreign: found.foreign,
      payload: JSON.stringify(canonical(found.payload)),
      owner: Option.getOrNull(found.lock.owner),
      fence: found.lock.fence,
      line: found.lock.line,
      since: found.lock.since,
      hold: found.lock.hold,
      limit: Option.getOrNull(found.lock.limit),
      holders: found.lock.holders
    })
  })

const plainOutcome = (outcome: Storage.WriteOutcome) =>
  outcome._tag === "Applied" ? { applied: plain(outcome.item) } : { rejected: plain(outcome.current) }

/** Where a step runs: the memory table, or a table on a local server (for writes as Go makes them). */
type Target =
  | { readonly _tag: "Memory"; readonly table: MemoryTable.MemoryTable }
  | { readonly _tag: "Server"; readonly server: LocalDynamoServer.LocalDynamoServer }

const step = (storage: Storage.Storage, op: Op, target: Target) => {
  switch (op._tag) {
    case "Update":
      return Effect.map(storage.update(op.request), plainOutcome)
    case "Delete":
      return Effect.map(storage.delete(op.request), plainOutcome)
    case "Get":
      return Effect.map(storage.get(op.key, true), plain)
    case "PutGo": {
      const { key, ...changes } = op
      return (
        target._tag === "Memory"
          ? Effect.asVoid(target.table.writeForeign(storage.partition, key, changes))
          : writeAsGo(target.server, storage.partition, key, changes)
      ).pipe(Effect.as(null))
    }
  }
}

/** Every item of the partition, read page by page (one item per page, to exercise `after`). */
const everything = (storage: Storage.Storage) =>
  Effect.iterate(
    { items: [] as Array<ReturnType<typeof plain>>, after: Option.none<string>(), done: false },
    {
      while: (state) => !state.done,
      body: (state) =>
        Effect.map(storage.query({ prefix: "", consistent: true, after: state.after, limit: 1 }), (page) => ({
          items: [...state.items, ...page.items.map((item) => plain(Option.some(item)))],
          after: page.next,
          done: Option.isNone(page.next)
        }))
    }
  ).pipe(Effect.map((state) => state.items))

for (const engine of engines) {
  layer(localServer({ engine }), { excludeTestServices: true })(`storage contract on ${engine}`, (it) => {
    it.scoped("random sequences of conditional writes match the memory table step by step", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const client = yield* rawClient(server.clientConfig)
        const run = (ops: ReadonlyArray<Op>) =>
          Effect.gen(function* () {
            const table = yield* MemoryTable.make
            const memory = table.storage("p")
            const dynamo = yield* storageOn(server, freshPartition(), { client })
            for (const [index, current] of ops.entries()) {
              const expected = yield* step(memory, current, { _tag: "Memory", table })
              const actual = yield* step(dynamo, current, { _tag: "Server", server })
              assert.deepStrictEqual(actual, expected, `step ${index}: ${JSON.stringify(current)}`)
            }
            assert.deepStrictEqual(yield* everything(dynamo), yield* everything(memory), "final items")
          })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) =>
              Effect.runPromise(Effect.scoped(run(ops)))
            ),
            { numRuns: 25 }
          )
        )
      })
    )

    it.scoped("an item with only Go dynalock's `expires` seconds expires exactly at expires * 1000 ms", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const client = yield* rawClient(server.clientConfig)
        const storage = yield* storageOn(server, freshPartition(), { client })
        for (const now of [base - 1, base, base + 1]) {
          for (const [name, condition] of [
            ["notLive", Storage.notLive(now)],
            ["liveVersion", Storage.liveVersion(1, now)]
          ] as const) {
            yield* storage.delete({ key: "go", condition: Storage.always })
            yield* step(storage, { _tag: "PutGo", key: "go", expiresAt: base + 500 }, { _tag: "Server", server })
            const before = yield* storage.get("go", true)
            assert.deepStrictEqual(
              Option.map(before, (item) => item.expiresAt),
              Option.some(Option.some(base))
            )
            const outcome = yield* storage.update({ key: "go", condition, expiresAt: Option.some(base + 60_000) })
            assert.strictEqual(
              outcome._tag === "Applied",
              Storage.conditionHolds(condition, before),
              `${name} at ${now - base}`
            )
          }
        }
      })
    )

    it.scoped("a rejected write carries the item as it was", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const client = yield* rawClient(server.clientConfig)
        const commands: Array<string> = []
        client.middlewareStack.add(
          (next, context) => (args) => {
            commands.push(String(context.commandName).replace(/Command$/, ""))
            return next(args)
          },
          { step: "initialize", name: "countCommands" }
        )
        const storage = yield* storageOn(server, freshPartition(), { client })
        const written = yield* storage.update({
          key: "k",
          condition: Storage.always,
          expiresAt: Option.none(),
          payload: { _tag: "Bytes", bytes: new Uint8Array([1]) },
          owner: Option.some("x")
        })
        assert.strictEqual(written._tag, "Applied")
        const item = written._tag === "Applied" ? plain(written.item) : null

        commands.length = 0
        const update = yield* storage.update({
          key: "k",
          condition: { _tag: "VersionIs", version: 9 },
          expiresAt: Option.none()
        })
        assert.deepStrictEqual(plainOutcome(update), { rejected: item })
        const remove = yield* storage.delete({ key: "k", condition: { _tag: "OwnerIs", owner: "y" } })
        assert.deepStrictEqual(plainOutcome(remove), { rejected: item })
        // DynamoDB Local returns the item with the failure (ALL_OLD); dynalite ignores that, so it is read back.
        assert.deepStrictEqual(
          commands,
          engine === "dynamodb-local"
            ? ["UpdateItem", "DeleteItem"]
            : ["UpdateItem", "GetItem", "DeleteItem", "GetItem"]
        )

        // An absent item comes back from neither: a read confirms it is absent.
        commands.length = 0
        const absent = yield* storage.update({
          key: "missing",
          condition: { _tag: "OwnerIs", owner: "x" },
          expiresAt: Option.none()
        })
        assert.deepStrictEqual(plainOutcome(absent), { rejected: null })
        assert.deepStrictEqual(commands, ["UpdateItem", "GetItem"])
      })
    )
  })
}
