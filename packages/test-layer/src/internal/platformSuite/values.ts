/**
 * Values keep their kind: a string comes back exactly as set, bytes byte for byte, and each reads through the other
 * method as `layerMemory` gives it (bytes through `get` as base64, a string through `getUint8Array` as UTF-8).
 */
import { assert, describe } from "@effect/vitest"
import { Effect, Encoding, Option } from "effect"
import { assertBytes, patternBytes, utf8 } from "../suite/assertions.js"
import type { PlatformSuiteContext } from "./context.js"
import { someValue } from "./methods.js"

// Strings a byte store could get wrong: empty, multibyte, text that is also valid base64 or JSON, control
// characters, and one near the item size limit.
const strings: ReadonlyArray<readonly [string, string]> = [
  ["empty", ""],
  ["ascii", "bar"],
  ["multibyte", "héllo wörld ✓ 😀 中文"],
  ["valid base64", "aGk="],
  ["the base64 of JSON", "eyJhIjoxfQ=="],
  ["JSON object", '{"a":1,"b":[true,null]}'],
  ["JSON string", '"quoted"'],
  ["control characters", "\u0000nul\ttab\nnewline"],
  ["surrounding spaces", "  spaced  "],
  ["large", "x".repeat(300 * 1024)]
]

const bytes: ReadonlyArray<readonly [string, Uint8Array]> = [
  ["empty", new Uint8Array(0)],
  ["not UTF-8", Uint8Array.from([0xff, 0xfe, 0x80, 0x00])],
  ["the UTF-8 of a JSON string", utf8('"quoted"')],
  ["the UTF-8 of base64 text", utf8("aGk=")],
  ["every byte value", Uint8Array.from({ length: 256 }, (_, i) => i)],
  ["large", patternBytes(300 * 1024)]
]

export const platformValueTests = <R>({ freshKv, reference, test }: PlatformSuiteContext<R>): void => {
  describe("values keep their kind", () => {
    test("strings round-trip exactly; getUint8Array gives their UTF-8 bytes, as layerMemory does", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        const memory = yield* reference
        for (const [name, value] of strings) {
          yield* kv.set(name, value)
          yield* memory.set(name, value)
          assert.strictEqual(someValue(yield* kv.get(name), name), value, `get of the ${name} string`)
          const asBytes = someValue(yield* kv.getUint8Array(name), name)
          assertBytes(asBytes, utf8(value), `getUint8Array of the ${name} string`)
          assertBytes(
            asBytes,
            someValue(yield* memory.getUint8Array(name), name),
            `layerMemory's getUint8Array of ${name}`
          )
        }
      }))

    test("bytes round-trip byte for byte; get gives their base64, as layerMemory does", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        const memory = yield* reference
        for (const [name, value] of bytes) {
          yield* kv.set(name, value)
          yield* memory.set(name, value)
          assertBytes(someValue(yield* kv.getUint8Array(name), name), value, `getUint8Array of the ${name} bytes`)
          const asText = someValue(yield* kv.get(name), name)
          assert.strictEqual(asText, Encoding.encodeBase64(value), `get of the ${name} bytes`)
          assert.strictEqual(asText, someValue(yield* memory.get(name), name), `layerMemory's get of ${name}`)
        }
      }))

    test("a set replaces the value and its kind", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("k", Uint8Array.from([1, 2]))
        yield* kv.set("k", "text now")
        assert.deepStrictEqual(yield* kv.get("k"), Option.some("text now"))
        yield* kv.set("k", Uint8Array.from([3]))
        assert.deepStrictEqual(yield* kv.get("k"), Option.some(Encoding.encodeBase64(Uint8Array.from([3]))))
        assert.strictEqual(yield* kv.size, 1)
      }))

    test("modify of a bytes value works on its base64 and stores the string it returns", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        const memory = yield* reference
        for (const store of [kv, memory]) {
          yield* store.set("k", Uint8Array.from([0xff, 0x00]))
          assert.deepStrictEqual(yield* store.modify("k", (v) => `${v}!`), Option.some("/wA=!"))
          assert.deepStrictEqual(yield* store.get("k"), Option.some("/wA=!"))
        }
      }))

    test("the bytes handed in are copied: changing them after set changes nothing stored", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        const written = Uint8Array.from([1, 2, 3])
        yield* kv.set("k", written)
        written[0] = 99
        const read = someValue(yield* kv.getUint8Array("k"), "k")
        read[1] = 99
        assertBytes(someValue(yield* kv.getUint8Array("k"), "k"), Uint8Array.from([1, 2, 3]))
      }))
  })
}
