/**
 * The DynamoDB storage against the reference: the same random sequences of conditional writes, driven through
 * the storage contract on the memory table and on a local server, must give the same outcomes and leave the same
 * items, down to the second/millisecond boundaries of expiry.
 */
import { PutItemCommand } from "@aws-sdk/client-dynamodb"
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { assert, layer } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import { Storage } from "@dynalock/core"
import { LocalDynamo, MemoryTable } from "@dynalock/test-layer"
import { engines, freshPartition, rawClient, storageOn } from "./support/dynamo.js"
import { toAttributes } from "../src/internal/itemCodec.js"

// A whole second, so that expiries land on, just before and just after second boundaries; an hour ahead, because
// DynamoDB Local's TTL really deletes items whose `expires` has passed, and conditions only use the `now` they are
// given.
const base = Math.floor(Date.now() / 1000) * 1000 + 3_600_000
const offsets = [-2000, -1001, -1000, -999, -1, 0, 1, 999, 1000, 1001, 2000]

type Op =
  | { readonly _tag: "Update"; readonly request: Storage.UpdateRequest }
  | { readonly _tag: "Delete"; readonly request: Storage.DeleteRequest }
  | { readonly _tag: "Get"; readonly key: string }
  /** An item as Go dynalock writes it: whole-second `expires` only, no lock attributes. */
  | { readonly _tag: "PutGo"; readonly key: string; readonly expiresSeconds: Option.Option<number>; readonly payload: Storage.Payload }

const key = fc.constantFrom("a", "é")
const time = fc.constantFrom(...offsets).map((offset) => base + offset)
const condition: fc.Arbitrary<Storage.Condition> = fc.oneof(
  fc.constant<Storage.Condition>({ _tag: "Always" }),
  time.map((now): Storage.Condition => ({ _tag: "NotLive", now })),
  fc.record({ version: fc.integer({ min: 1, max: 3 }), now: time }).map(({ now, version }): Storage.Condition => ({ _tag: "LiveVersion", version, now })),
  fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }).map((version): Storage.Condition => ({ _tag: "Version", version: Option.fromNullable(version) })),
  fc.constantFrom("x", "y").map((owner): Storage.Condition => ({ _tag: "Owner", owner }))
)
const payload = fc.constantFrom<Storage.Payload>(
  { _tag: "Empty" },
  { _tag: "Bytes", bytes: new Uint8Array([1, 2, 3]) },
  { _tag: "Text", text: "aGk=" },
  { _tag: "Native", value: { a: 1, b: [true, null, "x"], c: { d: 1.5 } } }
)
const option = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined }).map(Option.fromNullable)

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc
    .record(
      {
        key,
        condition,
        payload,
        expiresAt: option(time),
        owner: option(fc.constantFrom("x", "y")),
        fenceSeed: fc.constantFrom(0, 7),
        takeTicket: fc.boolean(),
        served: fc.integer({ min: 0, max: 3 })
      },
      { requiredKeys: ["key", "condition"] }
    )
    .map((request): Op => ({ _tag: "Update", request })) },
  { weight: 2, arbitrary: fc.record({ key, condition }).map((request): Op => ({ _tag: "Delete", request })) },
  { weight: 1, arbitrary: key.map((key): Op => ({ _tag: "Get", key })) },
  { weight: 2, arbitrary: fc
    .record({ key, expiresSeconds: option(fc.constantFrom(-2, -1, 0, 1, 2).map((s) => base / 1000 + s)), payload })
    .map((go): Op => ({ _tag: "PutGo", ...go })) }
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
      payload: JSON.stringify(canonical(found.payload)),
      owner: Option.getOrNull(found.lock.owner),
      fence: found.lock.fence,
      ticket: found.lock.ticket,
      served: found.lock.served
    })
  })

const plainOutcome = (outcome: Storage.WriteOutcome) =>
  outcome._tag === "Applied" ? { applied: plain(outcome.item) } : { rejected: plain(outcome.current) }

const goPayload = (payload: Storage.Payload) => {
  switch (payload._tag) {
    case "Empty":
      return {}
    case "Bytes":
      return { payload: payload.bytes }
    case "Text":
      return { payload: payload.text }
    case "Native":
      return { payload: payload.value }
  }
}

/** Runs one step on a storage; `PutGo` is a raw PutItem on DynamoDB and its equivalent on the memory table. */
const step = (storage: Storage.Storage, op: Op, raw: Option.Option<{ client: DynamoDBClient; table: string }>) => {
  switch (op._tag) {
    case "Update":
      return Effect.map(storage.update(op.request), plainOutcome)
    case "Delete":
      return Effect.map(storage.delete(op.request), plainOutcome)
    case "Get":
      return Effect.map(storage.get(op.key, true), plain)
    case "PutGo":
      return Option.match(raw, {
        onNone: () =>
          storage.delete({ key: op.key, condition: { _tag: "Always" } }).pipe(
            Effect.zipRight(
              storage.update({
                key: op.key,
                condition: { _tag: "Always" },
                payload: op.payload,
                expiresAt: Option.map(op.expiresSeconds, (seconds) => seconds * 1000)
              })
            ),
            Effect.as(null)
          ),
        onSome: ({ client, table }) =>
          Effect.promise(() =>
            client.send(
              new PutItemCommand({
                TableName: table,
                Item: toAttributes({
                  id: storage.partition,
                  name: op.key,
                  version: 1,
                  ...Option.match(op.expiresSeconds, { onNone: () => ({}), onSome: (expires) => ({ expires }) }),
                  ...goPayload(op.payload)
                })
              })
            )
          ).pipe(Effect.as(null))
      })
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
  layer(LocalDynamo.layer({ engine }), { excludeTestServices: true })(`storage contract on ${engine}`, (it) => {
    it.scoped("random sequences of conditional writes match the memory table step by step", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const client = yield* rawClient(server.clientConfig)
        const run = (ops: ReadonlyArray<Op>) =>
          Effect.gen(function* () {
            const memory = (yield* MemoryTable.make).storage("p")
            const dynamo = yield* storageOn(server, freshPartition(), { client })
            const raw = Option.some({ client, table: server.tableName })
            for (const [index, current] of ops.entries()) {
              const expected = yield* step(memory, current, Option.none())
              const actual = yield* step(dynamo, current, raw)
              assert.deepStrictEqual(actual, expected, `step ${index}: ${JSON.stringify(current)}`)
            }
            assert.deepStrictEqual(yield* everything(dynamo), yield* everything(memory), "final items")
          })
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => Effect.runPromise(Effect.scoped(run(ops)))),
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
        const seconds = base / 1000
        const raw = Option.some({ client, table: server.tableName })
        const putGo = step(storage, { _tag: "PutGo", key: "go", expiresSeconds: Option.some(seconds), payload: { _tag: "Empty" } }, raw)
        for (const now of [base - 1, base, base + 1]) {
          for (const condition of [
            { _tag: "NotLive", now },
            { _tag: "LiveVersion", version: 1, now }
          ] satisfies ReadonlyArray<Storage.Condition>) {
            yield* putGo
            const before = yield* storage.get("go", true)
            assert.deepStrictEqual(Option.map(before, (item) => item.expiresAt), Option.some(Option.some(base)))
            const outcome = yield* storage.update({ key: "go", condition })
            assert.strictEqual(outcome._tag === "Applied", Storage.conditionHolds(condition, before), `${condition._tag} at ${now - base}`)
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
          condition: { _tag: "Always" },
          payload: { _tag: "Bytes", bytes: new Uint8Array([1]) },
          owner: Option.some("x")
        })
        assert.strictEqual(written._tag, "Applied")
        const item = written._tag === "Applied" ? plain(written.item) : null

        commands.length = 0
        const update = yield* storage.update({ key: "k", condition: { _tag: "Version", version: Option.some(9) } })
        assert.deepStrictEqual(plainOutcome(update), { rejected: item })
        const remove = yield* storage.delete({ key: "k", condition: { _tag: "Owner", owner: "y" } })
        assert.deepStrictEqual(plainOutcome(remove), { rejected: item })
        // DynamoDB Local returns the item with the failure (ALL_OLD); dynalite ignores that, so it is read back.
        assert.deepStrictEqual(
          commands,
          engine === "dynamodb-local" ? ["UpdateItem", "DeleteItem"] : ["UpdateItem", "GetItem", "DeleteItem", "GetItem"]
        )

        // An absent item comes back from neither: a read confirms it is absent.
        commands.length = 0
        const absent = yield* storage.update({ key: "missing", condition: { _tag: "Owner", owner: "x" } })
        assert.deepStrictEqual(plainOutcome(absent), { rejected: null })
        assert.deepStrictEqual(commands, ["UpdateItem", "GetItem"])
      })
    )
  })
}
