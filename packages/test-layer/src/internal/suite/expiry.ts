/**
 * Expiry: expired items are invisible everywhere, whatever the backend does with them. None of the backends the
 * suite runs on deletes expired items promptly (the memory table never, dynalite has no TTL at all, DynamoDB
 * Local and DynamoDB only eventually), so invisibility is core's doing and is checked as such.
 */
import { assert, describe } from "@effect/vitest"
import { Chunk, Duration, Effect, Option, Stream } from "effect"
import { assertPair, expiryMillis, failsWith, keysOf } from "./assertions.js"
import type { SuiteContext } from "./context.js"

/** Registers the tests of ttl and expiry invisibility. */
export const expiryTests = <R>({ backend, elapse, expire, fresh, now, test, ttl }: SuiteContext<R>): void => {
  describe("expiry", () => {
    const ttlMillis = Duration.toMillis(ttl)

    test("an item written with a ttl is visible until it expires, then get fails and exists is false", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const before = yield* now
        const put = yield* store.put("k", "v", { ttl })
        const after = yield* now
        const expires = expiryMillis(put)
        assert.isDefined(expires, "a ttl put has an expiry")
        // The expiry is the write time plus the ttl.
        assert.isAtLeast(expires!, before + ttlMillis)
        assert.isAtMost(expires!, after + ttlMillis)
        const got = yield* store.get("k")
        assertPair(got, { partition, key: "k", version: 1, value: "v" })
        assert.strictEqual(expiryMillis(got), expires)
        assert.isTrue(yield* store.exists("k"))
        yield* expire
        const error = yield* failsWith(store.get("k"), "KeyNotFound")
        assert.strictEqual(error.key, "k")
        assert.isFalse(yield* store.exists("k"))
        yield* failsWith(store.get("k", { consistent: false }), "KeyNotFound")
      }))

    if (backend.time === "test") {
      // Only a controlled clock can stand exactly on the expiry instant.
      test("an item is expired from the instant of its expiry (TestClock backends only)", () =>
        Effect.gen(function* () {
          const { store } = yield* fresh
          yield* store.put("k", "v", { ttl })
          yield* elapse(Duration.subtract(ttl, Duration.millis(1)))
          assert.isTrue(yield* store.exists("k"), "one millisecond before the expiry")
          yield* elapse(Duration.millis(1))
          assert.isFalse(yield* store.exists("k"), "at the expiry")
        }))
    }

    test("list and stream skip expired items and keep live ones", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("t/expiring", "gone soon", { ttl })
        yield* store.put("t/forever", "stays")
        yield* store.put("t/longer", "stays a while", { ttl: Duration.times(ttl, 4) })
        assert.deepStrictEqual(keysOf(yield* store.list("t/")), ["t/expiring", "t/forever", "t/longer"])
        yield* expire
        assert.deepStrictEqual(keysOf(yield* store.list("t/")), ["t/forever", "t/longer"])
        assert.deepStrictEqual(keysOf(yield* store.list("")), ["t/forever", "t/longer"])
        assert.deepStrictEqual(yield* store.list("t/exp"), [])
        const streamed = Chunk.toReadonlyArray(yield* Stream.runCollect(store.stream("t/")))
        assert.deepStrictEqual(keysOf(streamed), ["t/forever", "t/longer"])
      }))

    test("a put without ttl after a ttl put removes the expiry", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("k", "temporary", { ttl })
        const put = yield* store.put("k", "permanent")
        assert.isTrue(Option.isNone(put.expires))
        yield* expire
        const got = yield* store.get("k")
        assertPair(got, { partition, key: "k", version: 2, value: "permanent" })
        assert.isTrue(Option.isNone(got.expires))
      }))

    test("a put with ttl after a put without one sets an expiry; a later ttl replaces an earlier one", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("k", "permanent")
        yield* store.put("k", "temporary", { ttl })
        // Extending: the later, longer ttl wins.
        const extended = yield* store.put("k", "extended", { ttl: Duration.times(ttl, 4) })
        const start = yield* now
        assert.isAbove(expiryMillis(extended)!, start + 3 * ttlMillis)
        yield* expire
        assert.strictEqual((yield* store.get("k")).version, 3)
        // Shortening: the later, shorter ttl wins too.
        yield* store.put("k", "short", { ttl })
        yield* expire
        assert.isFalse(yield* store.exists("k"))
      }))

    test("versions keep counting over an expired item (it is not deleted, only invisible)", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        yield* store.put("k", "first", { ttl })
        yield* store.put("k", "second", { ttl })
        yield* expire
        assert.isFalse(yield* store.exists("k"))
        // DynamoDB's own TTL deletion may collect the item in production (then this would be version 1); no
        // backend here does so within a test, and the version must never go backwards while the item exists.
        const put = yield* store.put("k", "third")
        assertPair(put, { partition, key: "k", version: 3, value: "third" })
        assert.isTrue(Option.isNone(put.expires))
      }))

    test("an expired item is still held by the backend but invisible through the store", () =>
      Effect.gen(function* () {
        const { storage, store } = yield* fresh
        yield* store.put("k", "v", { ttl })
        yield* expire
        assert.isFalse(yield* store.exists("k"))
        const raw = yield* storage.get("k", true)
        assert.isTrue(Option.isSome(raw), "no backend here deletes expired items within a test")
        assert.isAtMost(Option.getOrThrow(Option.getOrThrow(raw).expiresAt), yield* now)
      }))

    test("delete of an expired key succeeds, and a later put creates it again at version 1", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        yield* store.put("k", "v", { ttl })
        yield* expire
        yield* store.delete("k")
        assert.strictEqual((yield* store.put("k", "again")).version, 1)
      }))
  })
}
