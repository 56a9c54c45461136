/**
 * Items written by Go dynalock: its `WriteWithBytes` stores the value as base64 text (an `S` payload). Written here
 * through the storage contract, as such an item reaches core from any backend; the DynamoDB layer's own tests
 * cover the raw attribute side.
 */
import { assert, describe } from "@effect/vitest"
import type { Storage } from "@dynalock/core"
import { Effect, Encoding, Option, Schema } from "effect"
import { assertBytes, assertPair, keysOf, patternBytes, utf8 } from "./assertions.js"
import type { SuiteContext } from "./context.js"

const writeText = (storage: Storage.Storage, key: string, text: string) =>
  storage.update({ key, condition: { _tag: "Always" }, payload: { _tag: "Text", text }, expiresAt: Option.none() })

/** Registers the tests of reading items written by Go dynalock. */
export const goPayloadTests = <R>({ fresh, test }: SuiteContext<R>): void => {
  describe("payloads written by Go dynalock", () => {
    test("a base64 text payload reads as the bytes it encodes, through get, list and stream", () =>
      Effect.gen(function* () {
        const { partition, storage, store } = yield* fresh
        const binary = patternBytes(1000)
        yield* writeText(storage, "go/binary", Encoding.encodeBase64(binary))
        yield* writeText(storage, "go/text", Encoding.encodeBase64(utf8("written by Go")))
        assertPair(yield* store.get("go/binary"), { partition, key: "go/binary", version: 1, value: binary })
        assertPair(yield* store.get("go/text"), { partition, key: "go/text", version: 1, value: "written by Go" })
        const listed = yield* store.list("go/")
        assert.deepStrictEqual(keysOf(listed), ["go/binary", "go/text"])
        assertBytes(listed[0]!.value, binary)
      }))

    test("a text payload that is not base64 reads as its UTF-8 bytes", () =>
      Effect.gen(function* () {
        const { partition, storage, store } = yield* fresh
        yield* writeText(storage, "plain", "just words, not base64")
        assertPair(yield* store.get("plain"), { partition, key: "plain", version: 1, value: "just words, not base64" })
      }))

    test("a base64 payload holding JSON decodes with a schema", () =>
      Effect.gen(function* () {
        const { storage, store } = yield* fresh
        yield* writeText(storage, "go/json", Encoding.encodeBase64(utf8(JSON.stringify({ id: 7, tags: ["x"] }))))
        const typed = store.forSchema(Schema.Struct({ id: Schema.Number, tags: Schema.Array(Schema.String) }))
        assert.deepStrictEqual((yield* typed.get("go/json")).value, { id: 7, tags: ["x"] })
      }))

    test("an item Go wrote can be updated with compare-and-set and continues its version", () =>
      Effect.gen(function* () {
        const { partition, storage, store } = yield* fresh
        yield* writeText(storage, "go/k", Encoding.encodeBase64(utf8("v1")))
        yield* writeText(storage, "go/k", Encoding.encodeBase64(utf8("v2")))
        const read = yield* store.get("go/k")
        assertPair(read, { partition, key: "go/k", version: 2, value: "v2" })
        assertPair(yield* store.atomicPut("go/k", "v3", { previous: read }), {
          partition,
          key: "go/k",
          version: 3,
          value: "v3"
        })
        // Written back as bytes (a B attribute), no longer as base64 text.
        assert.strictEqual(Option.getOrThrow(yield* storage.get("go/k", true)).payload._tag, "Bytes")
      }))
  })
}
