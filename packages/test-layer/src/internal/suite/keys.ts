/** Keys beyond ASCII: any well-formed Unicode, ordered and measured in UTF-8 bytes as DynamoDB does. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { assertPair, keysOf, utf8 } from "./assertions.js"
import type { SuiteContext } from "./context.js"

const unicodeKeys = [
  "ключ",
  "鍵/子",
  "emoji/😀",
  "𝄞/music", // astral plane: a surrogate pair in UTF-16, four bytes in UTF-8
  "combining/e\u0301",
  "ﬁ-ligature",
  "zero\u200Bwidth"
]

/** Registers the tests of unicode keys, UTF-8 ordering and key size. */
export const keyTests = <R>({ fresh, test }: SuiteContext<R>): void => {
  describe("unicode keys", () => {
    test("unicode keys (including astral-plane characters) round-trip through put, get, list and delete", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        for (const key of unicodeKeys) yield* store.put(key, `value of ${key}`)
        for (const key of unicodeKeys)
          assertPair(yield* store.get(key), { partition, key, version: 1, value: `value of ${key}` })
        assert.sameMembers([...keysOf(yield* store.list(""))], unicodeKeys)
        assert.deepStrictEqual(keysOf(yield* store.list("emoji/")), ["emoji/😀"])
        assert.deepStrictEqual(keysOf(yield* store.list("𝄞")), ["𝄞/music"])
        for (const key of unicodeKeys) yield* store.delete(key)
        assert.deepStrictEqual(keysOf(yield* store.list("")), [])
      }))

    test("list orders keys by their UTF-8 bytes, not by JavaScript's UTF-16 order", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        // U+FF61 is EF BD A1 in UTF-8 but 0xFF61 in UTF-16; U+1F600 is F0 9F 98 80 but 0xD83D 0xDE00.
        // UTF-16 order puts the emoji first, UTF-8 (DynamoDB's sort-key order) puts it last.
        const keys = ["u/😀", "u/｡", "u/a", "u/é", "u/Z"]
        for (const key of keys) yield* store.put(key, "v")
        const byUtf8 = [...keys].sort((a, b) => Buffer.compare(utf8(a), utf8(b)))
        assert.deepStrictEqual(byUtf8, ["u/Z", "u/a", "u/é", "u/｡", "u/😀"])
        assert.deepStrictEqual(keysOf(yield* store.list("u/")), byUtf8)
      }))

    test("a key of exactly 1024 UTF-8 bytes made of multibyte characters is accepted", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const key = "€".repeat(341) + "a" // 341 * 3 + 1 = 1024 bytes, 342 UTF-16 code units
        assert.strictEqual(utf8(key).length, 1024)
        yield* store.put(key, "at the limit")
        assertPair(yield* store.get(key), { partition, key, version: 1, value: "at the limit" })
        assert.deepStrictEqual(keysOf(yield* store.list("€€€")), [key])
      }))
  })
}
