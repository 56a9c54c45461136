/** forSchema: typed values stored as native DynamoDB values, decoded on the way out. */
import { assert, describe } from "@effect/vitest"
import { Storage } from "@dynalock/core"
import { Chunk, Effect, Option, Schema, Stream } from "effect"
import { assertNothingWritten, expiryMillis, failsWith, keysOf, patternBytes } from "./assertions.js"
import type { SuiteContext } from "./context.js"

const Document = Schema.Struct({
  name: Schema.String,
  count: Schema.Number,
  ratio: Schema.Number,
  huge: Schema.Number,
  active: Schema.Boolean,
  nothing: Schema.Null,
  tags: Schema.Array(Schema.String),
  matrix: Schema.Array(Schema.Array(Schema.Number)),
  nested: Schema.Struct({
    deep: Schema.Struct({ items: Schema.Array(Schema.Struct({ id: Schema.Number, label: Schema.String })) })
  }),
  raw: Schema.Uint8ArrayFromSelf,
  note: Schema.optional(Schema.String)
})

const document: typeof Document.Type = {
  name: "Ünïcode 😀",
  count: 42,
  ratio: -0.125,
  huge: 1.5e100,
  active: false,
  nothing: null,
  tags: ["a", "", "c"],
  matrix: [[1, 2], [], [3]],
  nested: {
    deep: {
      items: [
        { id: 1, label: "one" },
        { id: 2, label: "two" }
      ]
    }
  },
  raw: Uint8Array.from([0, 1, 254, 255])
}

// Encoded and decoded sides differ: the store must encode on the way in and decode on the way out.
const Transformed = Schema.Struct({ at: Schema.Date, amount: Schema.BigInt, count: Schema.NumberFromString })

const scalars: ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown>, unknown]> = [
  ["a string", Schema.String as Schema.Schema<unknown, unknown>, "hello"],
  ["the empty string", Schema.String as Schema.Schema<unknown, unknown>, ""],
  ["a string that looks like base64", Schema.String as Schema.Schema<unknown, unknown>, "aGVsbG8="],
  ["a number", Schema.Number as Schema.Schema<unknown, unknown>, -1.5],
  ["zero", Schema.Number as Schema.Schema<unknown, unknown>, 0],
  ["false", Schema.Boolean as Schema.Schema<unknown, unknown>, false],
  ["null", Schema.Null as Schema.Schema<unknown, unknown>, null],
  ["an empty array", Schema.Array(Schema.Number) as Schema.Schema<unknown, unknown>, []],
  ["an empty struct", Schema.Struct({}) as Schema.Schema<unknown, unknown>, {}],
  ["bytes", Schema.Uint8ArrayFromSelf as Schema.Schema<unknown, unknown>, Uint8Array.from([1, 2, 3])],
  ["no bytes", Schema.Uint8ArrayFromSelf as Schema.Schema<unknown, unknown>, new Uint8Array(0)]
]

const nested = (depth: number): unknown => (depth === 0 ? "bottom" : { inner: nested(depth - 1) })

const unencodable: ReadonlyArray<readonly [string, Schema.Schema<unknown, unknown>, unknown]> = [
  ["a value the schema refuses (1.5 as an Int)", Schema.Int as Schema.Schema<unknown, unknown>, 1.5],
  ["NaN", Schema.Number as Schema.Schema<unknown, unknown>, Number.NaN],
  ["Infinity", Schema.Number as Schema.Schema<unknown, unknown>, Number.POSITIVE_INFINITY],
  ["a number beyond DynamoDB's range (1e200)", Schema.Number as Schema.Schema<unknown, unknown>, 1e200],
  ["a function", Schema.Unknown, () => 1],
  ["a Map", Schema.Unknown, new Map([["a", 1]])],
  ["a class instance (Date)", Schema.Unknown, new Date(0)],
  ["a bigint", Schema.Unknown, 1n],
  ["a symbol", Schema.Unknown, Symbol("s")],
  ["a string with a lone surrogate", Schema.String as Schema.Schema<unknown, unknown>, "\uD800"],
  ["a field name with a lone surrogate", Schema.Unknown, { "\uDC00": 1 }],
  ["a value nested 40 levels deep", Schema.Unknown, nested(40)]
]

/** Registers the tests of forSchema typed values. */
export const schemaTests = <R>({ expire, fresh, test, ttl }: SuiteContext<R>): void => {
  describe("forSchema", () => {
    test("a struct with nested fields, arrays, numbers, booleans, null and bytes round-trips", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const typed = store.forSchema(Document)
        assert.strictEqual(typed.partition, partition)
        const put = yield* typed.put("doc", document)
        assert.deepStrictEqual(put.value, document)
        assert.strictEqual(put.version, 1)
        const got = yield* typed.get("doc")
        assert.deepStrictEqual(got.value, document)
        assert.strictEqual(got.key, "doc")
        assert.strictEqual(got.partition, partition)
        const second = { ...document, note: "with the optional field", count: 43 }
        yield* typed.put("doc2", second)
        const listed = yield* typed.list("doc")
        assert.deepStrictEqual(
          listed.map((pair) => [pair.key, pair.value]),
          [
            ["doc", document],
            ["doc2", second]
          ]
        )
        const streamed = Chunk.toReadonlyArray(yield* Stream.runCollect(typed.stream("")))
        assert.deepStrictEqual(
          streamed.map((pair) => pair.value),
          [document, second]
        )
      }))

    test("the value is stored natively (a map with a binary field), not as serialized bytes", () =>
      Effect.gen(function* () {
        const { storage, store } = yield* fresh
        yield* store.forSchema(Document).put("doc", document)
        yield* store.forSchema(Schema.String).put("text", "plain text")
        yield* store.forSchema(Schema.Uint8ArrayFromSelf).put("bytes", Uint8Array.from([7]))
        const doc = Option.getOrThrow(yield* storage.get("doc", true)).payload
        assert.strictEqual(doc._tag, "Native")
        const value = doc._tag === "Native" ? (doc.value as Record<string, Storage.NativeValue>) : {}
        assert.instanceOf(value["raw"], Uint8Array, "bytes inside a struct are a binary attribute")
        assert.deepStrictEqual(value["tags"], ["a", "", "c"])
        assert.deepStrictEqual(Option.getOrThrow(yield* storage.get("text", true)).payload, {
          _tag: "Text",
          text: "plain text"
        })
        const bytes = Option.getOrThrow(yield* storage.get("bytes", true)).payload
        assert.strictEqual(bytes._tag, "Bytes")
      }))

    test("transformations are applied: encoded on the way in, decoded on the way out", () =>
      Effect.gen(function* () {
        const { storage, store } = yield* fresh
        const value = { at: new Date("2024-02-29T12:34:56.789Z"), amount: 12345678901234567890n, count: 7 }
        const typed = store.forSchema(Transformed)
        assert.deepStrictEqual((yield* typed.put("k", value)).value, value)
        assert.deepStrictEqual((yield* typed.get("k")).value, value)
        assert.deepStrictEqual(Option.getOrThrow(yield* storage.get("k", true)).payload, {
          _tag: "Native",
          value: { at: "2024-02-29T12:34:56.789Z", amount: "12345678901234567890", count: "7" }
        })
      }))

    for (const [label, schema, value] of scalars) {
      test(`${label} round-trips`, () =>
        Effect.gen(function* () {
          const { store } = yield* fresh
          const typed = store.forSchema(schema)
          assert.deepStrictEqual((yield* typed.put("k", value)).value, value)
          assert.deepStrictEqual((yield* typed.get("k")).value, value)
          assert.deepStrictEqual(
            (yield* typed.list("")).map((pair) => pair.value),
            [value]
          )
        }))
    }

    test("an optional field set to undefined is dropped, as JSON would drop it", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const typed = store.forSchema(Schema.Struct({ a: Schema.Number, b: Schema.optional(Schema.String) }))
        yield* typed.put("k", { a: 1, b: undefined })
        assert.deepStrictEqual((yield* typed.get("k")).value, { a: 1 })
      }))

    test("JSON written as bytes by put is read by a schema store", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("k", JSON.stringify({ id: 1, label: "from bytes" }))
        const typed = store.forSchema(Schema.Struct({ id: Schema.Number, label: Schema.String }))
        assert.deepStrictEqual((yield* typed.get("k")).value, { id: 1, label: "from bytes" })
      }))

    test('a stored value that does not decode fails with StoreError reason "Validation"', () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("bytes", "not json at all")
        yield* store.forSchema(Schema.Struct({ n: Schema.Number })).put("other-shape", { n: 1 })
        const typed = store.forSchema(Document)
        for (const key of ["bytes", "other-shape"]) {
          const error = yield* failsWith(typed.get(key), "StoreError", key)
          assert.strictEqual(error.reason, "Validation")
        }
        const listError = yield* failsWith(typed.list(""), "StoreError")
        assert.strictEqual(listError.reason, "Validation")
        yield* failsWith(Stream.runDrain(typed.stream("")), "StoreError")
        // The bytes are still there for the byte view, and exists does not decode.
        assert.isTrue(yield* typed.exists("bytes"))
        assert.strictEqual((yield* store.get("bytes")).version, 1)
      }))

    for (const [label, schema, value] of unencodable) {
      test(`${label} cannot be stored: InvalidInput, nothing written`, () =>
        Effect.gen(function* () {
          const { store } = yield* fresh
          const typed = store.forSchema(schema)
          yield* failsWith(typed.put("k", value), "InvalidInput", "put")
          yield* failsWith(typed.atomicPut("k", value), "InvalidInput", "atomicPut")
          yield* assertNothingWritten(store)
        }))
    }

    test("a typed value over the item size limit fails with InvalidInput, nothing written", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const max = Storage.maxPayloadSize(partition, "k")
        yield* failsWith(store.forSchema(Schema.String).put("k", "x".repeat(max + 1)), "InvalidInput")
        yield* failsWith(
          store.forSchema(Schema.Struct({ raw: Schema.Uint8ArrayFromSelf })).put("k", { raw: patternBytes(max) }),
          "InvalidInput"
        )
        yield* assertNothingWritten(store)
      }))

    test("atomicPut and atomicDelete take typed pairs as previous", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const typed = store.forSchema(Schema.Struct({ n: Schema.Number }))
        const created = yield* typed.atomicPut("k", { n: 1 })
        assert.strictEqual(created.version, 1)
        yield* failsWith(typed.atomicPut("k", { n: 0 }), "KeyExists")
        const updated = yield* typed.atomicPut("k", { n: 2 }, { previous: created })
        assert.deepStrictEqual([updated.version, updated.value], [2, { n: 2 }])
        yield* failsWith(typed.atomicPut("k", { n: 3 }, { previous: created }), "KeyModified")
        yield* failsWith(typed.atomicDelete("k", created), "KeyModified")
        yield* typed.atomicDelete("k", updated)
        assert.isFalse(yield* typed.exists("k"))
        yield* failsWith(typed.atomicDelete("k", updated), "KeyNotFound")
      }))

    test("typed writes honour ttl and typed reads honour expiry", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const typed = store.forSchema(Schema.Struct({ n: Schema.Number }))
        const put = yield* typed.put("k", { n: 1 }, { ttl })
        assert.isDefined(expiryMillis(put))
        yield* typed.put("forever", { n: 2 })
        yield* expire
        yield* failsWith(typed.get("k"), "KeyNotFound")
        assert.isFalse(yield* typed.exists("k"))
        assert.deepStrictEqual(keysOf(yield* typed.list("")), ["forever"])
        yield* typed.delete("forever")
        assert.deepStrictEqual(yield* typed.list(""), [])
      }))

    test("the byte view of a typed value is its JSON", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store
          .forSchema(Schema.Struct({ id: Schema.Number, label: Schema.String }))
          .put("k", { id: 1, label: "x" })
        assert.deepStrictEqual(JSON.parse(new TextDecoder().decode((yield* store.get("k")).value)), {
          id: 1,
          label: "x"
        })
      }))
  })
}
