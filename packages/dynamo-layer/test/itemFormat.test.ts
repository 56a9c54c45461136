/**
 * The raw attribute side of the item format: items written the way Go dynalock writes them (PutItem with
 * `id`, `name`, `version`, `expires` seconds and an S, B or M payload) read correctly through DynamoStore, items
 * DynamoStore writes have Go dynalock's attributes, and createTable makes (and re-makes) such a table.
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand
} from "@aws-sdk/client-dynamodb"
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Encoding, Option, Schema } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { engines, freshPartition, rawClient } from "./support/dynamo.js"
import { localServer } from "./support/sharedDynamoDbLocal.js"

const utf8 = (text: string) => new TextEncoder().encode(text)
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const setup = Effect.gen(function* () {
  const server = yield* LocalDynamo.LocalDynamo
  const client = yield* rawClient(server.clientConfig)
  const partition = freshPartition()
  const { store } = yield* DynamoStore.make({ tableName: server.tableName, partition, client: server.clientConfig })
  const put = (item: Record<string, AttributeValue>) =>
    Effect.promise(() =>
      client.send(new PutItemCommand({ TableName: server.tableName, Item: { id: { S: partition }, ...item } }))
    )
  const raw = (key: string) =>
    Effect.promise(() =>
      client.send(
        new GetItemCommand({
          TableName: server.tableName,
          Key: { id: { S: partition }, name: { S: key } },
          ConsistentRead: true
        })
      )
    ).pipe(Effect.map((output) => output.Item ?? {}))
  return { server, client, partition, store, put, raw }
})

// Whole seconds an hour ahead: Go dynalock writes `expires` as epoch seconds, and DynamoDB Local's TTL deletes
// items whose `expires` has passed.
const inAnHour = Math.floor(Date.now() / 1000) + 3600

for (const engine of engines) {
  layer(localServer({ engine }), { excludeTestServices: true })(`item format on ${engine}`, (it) => {
    it.scoped("reads Go dynalock's payloads: base64 S, B and a map M", () =>
      Effect.gen(function* () {
        const { put, store } = yield* setup
        yield* put({
          name: { S: "go/base64" },
          version: { N: "3" },
          payload: { S: Encoding.encodeBase64(utf8("hello go")) }
        })
        yield* put({ name: { S: "go/binary" }, version: { N: "1" }, payload: { B: new Uint8Array([0, 255, 7]) } })
        yield* put({
          name: { S: "go/map" },
          version: { N: "2" },
          payload: {
            M: { job: { S: "build" }, attempts: { N: "4" }, tags: { L: [{ S: "a" }] }, done: { BOOL: false } }
          }
        })
        yield* put({ name: { S: "go/none" }, version: { N: "5" } })

        const base64 = yield* store.get("go/base64")
        assert.strictEqual(text(base64.value), "hello go")
        assert.strictEqual(base64.version, 3)
        assert.isTrue(Option.isNone(base64.expires))
        assert.deepStrictEqual(Array.from((yield* store.get("go/binary")).value), [0, 255, 7])
        assert.strictEqual((yield* store.get("go/none")).value.length, 0)

        const Job = Schema.Struct({
          job: Schema.String,
          attempts: Schema.Number,
          tags: Schema.Array(Schema.String),
          done: Schema.Boolean
        })
        const job = yield* store.forSchema(Job).get("go/map")
        assert.deepStrictEqual(job.value, { job: "build", attempts: 4, tags: ["a"], done: false })
        assert.strictEqual(job.version, 2)
        // A plain read of a native payload is its JSON.
        assert.deepStrictEqual(JSON.parse(text((yield* store.get("go/map")).value)), {
          job: "build",
          attempts: 4,
          tags: ["a"],
          done: false
        })
        assert.deepStrictEqual(
          (yield* store.list("go/")).map((pair) => pair.key),
          ["go/base64", "go/binary", "go/map", "go/none"]
        )
      })
    )

    it.scoped("reads the NULLs of Go's encoder (empty strings, nil slices and maps) as the schema's zero values", () =>
      Effect.gen(function* () {
        const { put, store } = yield* setup
        // dynamodbattribute.MarshalMap of struct{ Message string; Count int; Tags []string; Note *string }{}.
        yield* put({
          name: { S: "go/zero" },
          version: { N: "1" },
          payload: { M: { Message: { NULL: true }, Count: { N: "0" }, Tags: { NULL: true }, Note: { NULL: true } } }
        })
        const Zero = Schema.Struct({
          Message: Schema.String,
          Count: Schema.Number,
          Tags: Schema.Array(Schema.String),
          Note: Schema.NullOr(Schema.String)
        })
        const zero = yield* store.forSchema(Zero).get("go/zero")
        assert.deepStrictEqual(zero.value, { Message: "", Count: 0, Tags: [], Note: null })
        assert.deepStrictEqual(
          (yield* store.forSchema(Zero).list("go/")).map((pair) => pair.value),
          [zero.value]
        )
        // A schema that cannot take a zero value still fails, with the stored null in the message.
        const error = yield* Effect.flip(
          store.forSchema(Schema.Struct({ Message: Schema.Literal("hi") })).get("go/zero")
        )
        assert.strictEqual(error._tag, "StoreError")
        assert.match(error.message, /actual null/)
      })
    )

    it.scoped("reads Go dynalock's expiry: `expires` seconds without `expiresMs`", () =>
      Effect.gen(function* () {
        const { put, store } = yield* setup
        const past = Math.floor(Date.now() / 1000) - 1
        yield* put({
          name: { S: "go/live" },
          version: { N: "1" },
          expires: { N: String(inAnHour) },
          payload: { S: "bGl2ZQ==" }
        })
        yield* put({
          name: { S: "go/expired" },
          version: { N: "1" },
          expires: { N: String(past) },
          payload: { S: "ZGVhZA==" }
        })

        const live = yield* store.get("go/live")
        assert.deepStrictEqual(live.expires, Option.some(DateTime.unsafeMake(inAnHour * 1000)))
        assert.strictEqual(text(live.value), "live")
        assert.strictEqual((yield* Effect.flip(store.get("go/expired")))._tag, "KeyNotFound")
        assert.isFalse(yield* store.exists("go/expired"))
        assert.deepStrictEqual(
          (yield* store.list("go/")).map((pair) => pair.key),
          ["go/live"]
        )
        // An expired item is no obstacle to creating the key anew, nor can it be compare-and-set.
        const created = yield* store.atomicPut("go/expired", "new")
        assert.strictEqual(text(created.value), "new")
        const updated = yield* store.atomicPut("go/live", "again", { previous: live, ttl: "1 hour" })
        assert.strictEqual(updated.version, 2)
      })
    )

    it.scoped(
      "an item not in dynalock's format is StoreError(Validation) naming the attribute; odd but valid ones read",
      () =>
        Effect.gen(function* () {
          const { put, store } = yield* setup
          const malformed: ReadonlyArray<readonly [string, Record<string, AttributeValue>, string]> = [
            ["bad/version", { version: { S: "3" } }, "version"],
            ["bad/expires", { version: { N: "1" }, expires: { S: "soon" } }, "expires"],
            ["bad/owner", { version: { N: "1" }, owner: { N: "7" } }, "owner"],
            ["bad/line", { version: { N: "1" }, line: { SS: ["a"] } }, "line"],
            ["bad/line-element", { version: { N: "1" }, line: { L: [{ N: "1" }] } }, "line"]
          ]
          for (const [key, item, attribute] of malformed) {
            yield* put({ name: { S: key }, ...item })
            const failure = yield* Effect.flip(store.get(key))
            assert.strictEqual(failure._tag, "StoreError", key)
            if (failure._tag === "StoreError") {
              assert.strictEqual(failure.reason, "Validation", key)
              assert.include(failure.message, `"${attribute}"`, key)
            }
          }
          // A version beyond 2^53 reads as the nearest number; a payload with sets reads them as lists.
          yield* put({ name: { S: "odd/big" }, version: { N: "123456789012345678901234567890" } })
          assert.strictEqual((yield* store.get("odd/big")).version, 1.2345678901234568e29)
          yield* put({ name: { S: "odd/sets" }, version: { N: "1" }, payload: { M: { tags: { SS: ["x", "y"] } } } })
          const Tags = Schema.Struct({ tags: Schema.Array(Schema.String) })
          assert.deepStrictEqual([...(yield* store.forSchema(Tags).get("odd/sets")).value.tags].sort(), ["x", "y"])
        })
    )

    it.scoped("writes Go dynalock's attributes, plus the precise expiry", () =>
      Effect.gen(function* () {
        const { partition, raw, store } = yield* setup
        const written = yield* store.put("k", new Uint8Array([1, 2]), { ttl: "90 minutes" })
        const expiresMs = DateTime.toEpochMillis(Option.getOrThrow(written.expires))
        assert.deepStrictEqual(yield* raw("k"), {
          id: { S: partition },
          name: { S: "k" },
          version: { N: "1" },
          stamp: { N: "1" },
          expires: { N: String(Math.ceil(expiresMs / 1000)) },
          expiresMs: { N: String(expiresMs) },
          payload: { B: new Uint8Array([1, 2]) }
        })
        // A put without ttl removes both expiry attributes; an empty value removes the payload.
        yield* store.put("k", "")
        assert.deepStrictEqual(yield* raw("k"), {
          id: { S: partition },
          name: { S: "k" },
          version: { N: "2" },
          stamp: { N: "2" }
        })
        // Schema values are native attributes, readable in the console.
        yield* store.forSchema(Schema.Struct({ n: Schema.Number, s: Schema.String })).put("typed", { n: 1, s: "x" })
        assert.deepStrictEqual((yield* raw("typed")).payload, { M: { n: { N: "1" }, s: { S: "x" } } })
        yield* store.forSchema(Schema.String).put("string", "words")
        assert.deepStrictEqual((yield* raw("string")).payload, { S: "words" })
      })
    )

    it.scoped("createTable makes the table, and succeeds again on an existing one", () =>
      Effect.gen(function* () {
        const { client, server } = yield* setup
        const tableName = `created-${freshPartition()}`
        yield* DynamoStore.createTable({ tableName, client })
        yield* DynamoStore.createTable({ tableName, client })
        yield* DynamoStore.createTable({ tableName: server.tableName, client: server.clientConfig })
        const table = (yield* Effect.promise(() => client.send(new DescribeTableCommand({ TableName: tableName }))))
          .Table
        assert.strictEqual(table?.TableStatus, "ACTIVE")
        assert.deepStrictEqual(table?.KeySchema, [
          { AttributeName: "id", KeyType: "HASH" },
          { AttributeName: "name", KeyType: "RANGE" }
        ])
        assert.strictEqual(table?.BillingModeSummary?.BillingMode, "PAY_PER_REQUEST")
        const ttl = (yield* Effect.promise(() => client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))))
          .TimeToLiveDescription
        if (engine === "dynamodb-local") {
          assert.deepStrictEqual(ttl, { AttributeName: "expires", TimeToLiveStatus: "ENABLED" })
        } else {
          // dynalite has no TTL: createTable succeeds without it.
          assert.strictEqual(ttl?.TimeToLiveStatus, "DISABLED")
        }
        // Without TTL when asked.
        const untimed = `untimed-${freshPartition()}`
        yield* DynamoStore.createTable({ tableName: untimed, client, timeToLive: false })
        const off = (yield* Effect.promise(() => client.send(new DescribeTimeToLiveCommand({ TableName: untimed }))))
          .TimeToLiveDescription
        assert.strictEqual(off?.TimeToLiveStatus, "DISABLED")
        // The new table is usable right away.
        const { store } = yield* DynamoStore.make({ tableName, partition: "p", client })
        assert.strictEqual((yield* store.put("k", "v")).version, 1)
      })
    )
  })
}
