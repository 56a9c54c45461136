/** atomicPut and atomicDelete: create-if-absent and compare-and-set on the version, with expiry taken into account. */
import { assert, describe } from "@effect/vitest"
import { Duration, Effect, Either, Option } from "effect"
import { assertPair, expiryMillis, failsWith } from "./assertions.js"
import type { SuiteContext } from "./context.js"

const racers = 8

/** Registers the tests of atomicPut and atomicDelete. */
export const atomicTests = <R>({ expire, fresh, test, ttl }: SuiteContext<R>): void => {
  describe("atomicPut", () => {
    test("without previous creates a missing item at version 1", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const created = yield* store.atomicPut("k", "v")
        assertPair(created, { partition, key: "k", version: 1, value: "v" })
        assert.isTrue(Option.isNone(created.expires))
        assertPair(yield* store.get("k"), { partition, key: "k", version: 1, value: "v" })
      }))

    test("creates and compare-and-sets keys with a trailing slash and nested paths (libkv's slash-suffix case)", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        for (const key of ["dir/", "dir/sub/", "dir/sub/leaf"]) {
          const created = yield* store.atomicPut(key, "created")
          assertPair(created, { partition, key, version: 1, value: "created" })
          assertPair(yield* store.atomicPut(key, "updated", { previous: created }), {
            partition,
            key,
            version: 2,
            value: "updated"
          })
        }
        yield* failsWith(store.atomicPut("dir/", "again"), "KeyExists")
      }))

    test("without previous over a live item fails with KeyExists and changes nothing", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("k", "original")
        const error = yield* failsWith(store.atomicPut("k", "intruder"), "KeyExists")
        assert.strictEqual(error.key, "k")
        yield* failsWith(store.atomicPut("k", "intruder", { ttl }), "KeyExists")
        const got = yield* store.get("k")
        assertPair(got, { partition, key: "k", version: 1, value: "original" })
        assert.isTrue(Option.isNone(got.expires))
      }))

    test("without previous over an expired item succeeds (the version keeps counting)", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("k", "old", { ttl })
        yield* expire
        const created = yield* store.atomicPut("k", "new")
        assertPair(created, { partition, key: "k", version: 2, value: "new" })
        assert.isTrue(Option.isNone(created.expires), "the new item has the new options' expiry: none")
        assertPair(yield* store.get("k"), { partition, key: "k", version: 2, value: "new" })
      }))

    test("with the current version as previous succeeds and increments the version", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        let pair = yield* store.put("k", "v1")
        for (let version = 2; version <= 5; version++) {
          pair = yield* store.atomicPut("k", `v${version}`, { previous: pair })
          assertPair(pair, { partition, key: "k", version, value: `v${version}` })
        }
        assertPair(yield* store.get("k"), { partition, key: "k", version: 5, value: "v5" })
      }))

    test("previous may come from get or list as well as from a write", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("k", "v1")
        const fromGet = yield* store.get("k")
        const afterGet = yield* store.atomicPut("k", "v2", { previous: fromGet })
        assert.strictEqual(afterGet.version, 2)
        const [fromList] = yield* store.list("k")
        assert.strictEqual((yield* store.atomicPut("k", "v3", { previous: fromList! })).version, 3)
      }))

    test("with a stale previous fails with KeyModified and changes nothing", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const first = yield* store.put("k", "v1")
        yield* store.put("k", "v2")
        const error = yield* failsWith(store.atomicPut("k", "lost update", { previous: first }), "KeyModified")
        assert.strictEqual(error.key, "k")
        assertPair(yield* store.get("k"), { partition, key: "k", version: 2, value: "v2" })
      }))

    test("with a previous whose item was deleted fails with KeyModified and creates nothing", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const first = yield* store.put("k", "v1")
        yield* store.delete("k")
        yield* failsWith(store.atomicPut("k", "resurrected", { previous: first }), "KeyModified")
        assert.isFalse(yield* store.exists("k"))
      }))

    test("with a previous that has expired fails with KeyModified (even though the version matches)", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const pair = yield* store.put("k", "v1", { ttl })
        yield* expire
        yield* failsWith(store.atomicPut("k", "too late", { previous: pair }), "KeyModified")
        yield* failsWith(store.atomicPut("k", "too late", { previous: pair, ttl }), "KeyModified")
        assert.isFalse(yield* store.exists("k"))
      }))

    test("with previous, a ttl sets the expiry and no ttl removes it", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const created = yield* store.atomicPut("k", "v1", { ttl: Duration.times(ttl, 4) })
        assert.isDefined(expiryMillis(created))
        const cleared = yield* store.atomicPut("k", "v2", { previous: created })
        assert.isUndefined(expiryMillis(cleared))
        const limited = yield* store.atomicPut("k", "v3", { previous: cleared, ttl })
        assert.isDefined(expiryMillis(limited))
        yield* expire
        assert.isFalse(yield* store.exists("k"))
      }))

    test(`of ${racers} concurrent compare-and-sets with one previous, exactly one wins`, () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const base = yield* store.put("k", "base")
        const results = yield* Effect.forEach(
          Array.from({ length: racers }, (_, i) => i),
          (i) => Effect.either(store.atomicPut("k", `racer ${i}`, { previous: base })),
          { concurrency: "unbounded" }
        )
        const winners = results.filter(Either.isRight)
        assert.strictEqual(winners.length, 1, "exactly one compare-and-set applies")
        assert.deepStrictEqual(
          results.filter(Either.isLeft).map((result) => result.left._tag),
          Array.from({ length: racers - 1 }, () => "KeyModified")
        )
        const winner = winners[0]!.right
        assertPair(yield* store.get("k"), { partition, key: "k", version: 2, value: winner.value })
      }))

    test(`${racers} concurrent puts of one key are all applied, each with its own version`, () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const pairs = yield* Effect.forEach(
          Array.from({ length: racers }, (_, i) => i),
          (i) => store.put("k", `writer ${i}`),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(
          pairs.map((pair) => pair.version).sort((a, b) => a - b),
          Array.from({ length: racers }, (_, i) => i + 1)
        )
        // The stored item is the write that got the last version.
        const last = pairs.find((pair) => pair.version === racers)!
        assertPair(yield* store.get("k"), { partition: last.partition, key: "k", version: racers, value: last.value })
      }))

    test(`of ${racers} concurrent creates, exactly one wins and the others see KeyExists`, () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const results = yield* Effect.forEach(
          Array.from({ length: racers }, (_, i) => i),
          (i) => Effect.either(store.atomicPut("k", `racer ${i}`)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter(Either.isRight).length, 1)
        assert.deepStrictEqual(
          results.filter(Either.isLeft).map((result) => result.left._tag),
          Array.from({ length: racers - 1 }, () => "KeyExists")
        )
        assert.strictEqual((yield* store.get("k")).version, 1)
      }))
  })

  describe("atomicDelete", () => {
    test("with the current version deletes the item", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("k", "v1")
        const current = yield* store.put("k", "v2")
        yield* store.atomicDelete("k", current)
        assert.isFalse(yield* store.exists("k"))
        yield* failsWith(store.get("k"), "KeyNotFound")
      }))

    test("with a stale version fails with KeyModified and keeps the item", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const first = yield* store.put("k", "v1")
        yield* store.put("k", "v2")
        const error = yield* failsWith(store.atomicDelete("k", first), "KeyModified")
        assert.strictEqual(error.key, "k")
        assertPair(yield* store.get("k"), { partition, key: "k", version: 2, value: "v2" })
      }))

    test("of a missing key fails with KeyNotFound; deleting twice fails the second time", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const missing = yield* failsWith(
          store.atomicDelete("never", { partition, key: "never", version: 1 }),
          "KeyNotFound"
        )
        assert.strictEqual(missing.key, "never")
        const pair = yield* store.put("k", "v")
        yield* store.atomicDelete("k", pair)
        yield* failsWith(store.atomicDelete("k", pair), "KeyNotFound")
      }))

    test("of an expired key fails with KeyNotFound (even with the matching version)", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const pair = yield* store.put("k", "v", { ttl })
        yield* expire
        yield* failsWith(store.atomicDelete("k", pair), "KeyNotFound")
      }))

    test("after an atomicDelete, atomicPut without previous creates the item again at version 1", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const pair = yield* store.atomicPut("k", "v")
        yield* store.atomicDelete("k", pair)
        assert.strictEqual((yield* store.atomicPut("k", "again")).version, 1)
      }))

    test(`of ${racers} concurrent atomicDeletes with one previous, exactly one wins`, () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const pair = yield* store.put("k", "v")
        const results = yield* Effect.forEach(
          Array.from({ length: racers }, () => pair),
          (previous) => Effect.either(store.atomicDelete("k", previous)),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter(Either.isRight).length, 1)
        assert.deepStrictEqual(
          results.filter(Either.isLeft).map((result) => result.left._tag),
          Array.from({ length: racers - 1 }, () => "KeyNotFound")
        )
      }))
  })
}
