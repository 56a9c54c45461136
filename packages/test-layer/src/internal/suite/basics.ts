/** put / get / exists / delete: the plain operations, over keys shaped like paths. */
import { assert, describe } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import { assertBytes, assertPair, failsWith, keysOf, utf8 } from "./assertions.js"
import type { SuiteContext } from "./context.js"

// Go dynalock's and libkv's suites use keys with and without a trailing "/" and nested paths.
const pathKeys = ["foo", "foo/", "foo/bar", "foo/bar/", "foo/bar/baz/qux", "/leading", "double//slash", "a b.c-d_e:f"]

/** Registers the tests of put, get, exists and delete. */
export const basicTests = <R>({ fresh, test }: SuiteContext<R>): void => {
  describe("put, get, exists, delete", () => {
    test("put returns the stored pair: version 1, no expiry, the value as UTF-8 bytes", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const put = yield* store.put("greeting", "héllo wörld")
        assertPair(put, { partition, key: "greeting", version: 1, value: "héllo wörld" })
        assert.isTrue(Option.isNone(put.expires))
        const got = yield* store.get("greeting")
        assertPair(got, { partition, key: "greeting", version: 1, value: "héllo wörld" })
        assert.isTrue(Option.isNone(got.expires))
      }))

    for (const key of pathKeys) {
      test(`put, get, exists, delete of key ${JSON.stringify(key)}`, () =>
        Effect.gen(function* () {
          const { partition, store } = yield* fresh
          assert.isFalse(yield* store.exists(key))
          yield* store.put(key, `value of ${key}`)
          assertPair(yield* store.get(key), { partition, key, version: 1, value: `value of ${key}` })
          assert.isTrue(yield* store.exists(key))
          // Only this key: no neighbour with or without the trailing slash appears.
          assert.deepStrictEqual(keysOf(yield* store.list("")), [key])
          yield* store.delete(key)
          const notFound = yield* failsWith(store.get(key), "KeyNotFound")
          assert.strictEqual(notFound.key, key)
          assert.isFalse(yield* store.exists(key))
        }))
    }

    test("a key with and without a trailing slash are two items", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("dir", "file")
        yield* store.put("dir/", "directory")
        assertBytes((yield* store.get("dir")).value, utf8("file"))
        assertBytes((yield* store.get("dir/")).value, utf8("directory"))
        yield* store.delete("dir/")
        assert.isTrue(yield* store.exists("dir"))
        assert.isFalse(yield* store.exists("dir/"))
      }))

    test("put is an upsert: the value is replaced and versions count 1, 2, 3", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const versions: Array<number> = []
        for (const value of ["one", "two", "three"]) versions.push((yield* store.put("k", value)).version)
        assert.deepStrictEqual(versions, [1, 2, 3])
        assertPair(yield* store.get("k"), { partition, key: "k", version: 3, value: "three" })
      }))

    test("delete of a missing key succeeds, also twice", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.delete("never-written")
        yield* store.put("k", "v")
        yield* store.delete("k")
        yield* store.delete("k")
        assert.isFalse(yield* store.exists("k"))
      }))

    test("after a delete, a put creates the item again at version 1", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("k", "a")
        yield* store.put("k", "b")
        yield* store.delete("k")
        assert.strictEqual((yield* store.put("k", "c")).version, 1)
      }))

    test("get of a key that was never written fails with KeyNotFound carrying the key", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const error = yield* failsWith(store.get("missing/key"), "KeyNotFound")
        assert.strictEqual(error.key, "missing/key")
      }))

    test("empty values round-trip as zero bytes (string and Uint8Array), and the item exists", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        assertPair(yield* store.put("empty-string", ""), { partition, key: "empty-string", version: 1, value: "" })
        assertPair(yield* store.put("empty-bytes", new Uint8Array(0)), {
          partition,
          key: "empty-bytes",
          version: 1,
          value: new Uint8Array(0)
        })
        assert.strictEqual((yield* store.get("empty-string")).value.length, 0)
        assert.strictEqual((yield* store.get("empty-bytes")).value.length, 0)
        assert.isTrue(yield* store.exists("empty-bytes"))
        assert.deepStrictEqual(
          (yield* store.list("empty")).map((pair) => [pair.key, pair.value.length]),
          [
            ["empty-bytes", 0],
            ["empty-string", 0]
          ]
        )
      }))

    test("an empty value replaces a non-empty one", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("k", "something")
        yield* store.put("k", "")
        assertPair(yield* store.get("k"), { partition, key: "k", version: 2, value: "" })
      }))

    test("binary values round-trip byte for byte, including a view into a larger buffer", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const all = Uint8Array.from({ length: 256 }, (_, i) => i)
        assertBytes((yield* store.put("all-bytes", all)).value, all)
        assertBytes((yield* store.get("all-bytes")).value, all)
        // Only the view's bytes are the value, not the whole underlying buffer.
        const view = new Uint8Array(all.buffer, 10, 5)
        yield* store.put("view", view)
        assertBytes((yield* store.get("view")).value, Uint8Array.from([10, 11, 12, 13, 14]))
      }))

    test("values are copies: mutating the written or the returned array changes nothing stored", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const written = Uint8Array.from([1, 2, 3])
        const put = yield* store.put("k", written)
        written[0] = 99
        put.value[1] = 99
        const got = yield* store.get("k")
        got.value[2] = 99
        assertBytes((yield* store.get("k")).value, Uint8Array.from([1, 2, 3]))
      }))

    test("reads with consistent: false work (get, exists, list, stream)", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("k", "v")
        // Local servers and the memory table answer every read consistently; on DynamoDB such a read may lag.
        assertPair(yield* store.get("k", { consistent: false }), { partition, key: "k", version: 1, value: "v" })
        assert.isTrue(yield* store.exists("k", { consistent: false }))
        assert.deepStrictEqual(keysOf(yield* store.list("", { consistent: false })), ["k"])
        assert.deepStrictEqual(
          keysOf(
            yield* store.stream("", { consistent: false }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
          ),
          ["k"]
        )
      }))
  })
}
