/** list and stream by prefix: exact matches, key order, whole partition, empty results. */
import { assert, describe } from "@effect/vitest"
import type { KVPair } from "@dynalock/core"
import { Chunk, Effect, Stream } from "effect"
import { assertBytes, keysOf, utf8 } from "./assertions.js"
import type { SuiteContext } from "./context.js"

// Every prefix below has neighbours that a sloppy match (contains, path segments, case folding) would include.
const fixture = ["bar/foo", "fo", "foo", "foo/", "foo/a", "foo/b/c", "foobar", "Foo", "xfoo"]

const expected: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["foo", ["foo", "foo/", "foo/a", "foo/b/c", "foobar"]],
  ["foo/", ["foo/", "foo/a", "foo/b/c"]],
  ["foo/b", ["foo/b/c"]],
  ["foobar", ["foobar"]],
  ["fo", ["fo", "foo", "foo/", "foo/a", "foo/b/c", "foobar"]],
  ["F", ["Foo"]],
  ["bar", ["bar/foo"]],
  ["foo/b/c/", []],
  ["zzz", []]
]

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

const summary = (pairs: ReadonlyArray<KVPair>) => pairs.map((pair) => [pair.key, pair.version, [...pair.value]])

/** Registers the tests of list and stream by prefix. */
export const listTests = <R>({ fresh, test }: SuiteContext<R>): void => {
  describe("list and stream", () => {
    test("list by prefix returns exactly the keys beginning with it, in key order", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        for (const key of fixture) yield* store.put(key, `value of ${key}`)
        for (const [prefix, keys] of expected) {
          assert.deepStrictEqual(keysOf(yield* store.list(prefix)), keys, `list(${JSON.stringify(prefix)})`)
        }
      }))

    test('list("") returns the whole partition in key order', () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        for (const key of [...fixture].reverse()) yield* store.put(key, key)
        const sorted = [...fixture].sort((a, b) => Buffer.compare(utf8(a), utf8(b)))
        assert.deepStrictEqual(keysOf(yield* store.list("")), sorted)
      }))

    test("list returns full pairs: partition, value and current version of each item", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("p/a", "first")
        yield* store.put("p/b", "second")
        yield* store.put("p/b", "second, again")
        const pairs = yield* store.list("p/")
        assert.deepStrictEqual(
          pairs.map((pair) => [pair.partition, pair.key, pair.version]),
          [
            [partition, "p/a", 1],
            [partition, "p/b", 2]
          ]
        )
        assertBytes(pairs[1]!.value, utf8("second, again"))
      }))

    test("list of a prefix with no items, and of an empty partition, is []", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        assert.deepStrictEqual(yield* store.list(""), [])
        assert.deepStrictEqual(yield* store.list("anything"), [])
        assert.deepStrictEqual(yield* collect(store.stream("")), [])
        yield* store.put("present", "v")
        assert.deepStrictEqual(yield* store.list("absent"), [])
      }))

    test("list no longer returns deleted items", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        for (const key of ["d/1", "d/2", "d/3"]) yield* store.put(key, key)
        yield* store.delete("d/2")
        assert.deepStrictEqual(keysOf(yield* store.list("d/")), ["d/1", "d/3"])
      }))

    test("stream gives exactly what list gives, for every prefix", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        for (const key of fixture) yield* store.put(key, `value of ${key}`)
        for (const prefix of ["", ...expected.map(([prefix]) => prefix)]) {
          const listed = yield* store.list(prefix)
          const streamed = yield* collect(store.stream(prefix))
          assert.deepStrictEqual(summary(streamed), summary(listed), `stream(${JSON.stringify(prefix)})`)
        }
      }))
  })
}
