/**
 * The adapter over a shared table: partitions, other clients and other writers of the same items, expiry written
 * by the store, and `modify` racing other writers (compare-and-set, where `layerMemory` needs none).
 */
import { assert, describe } from "@effect/vitest"
import * as PlatformKeyValueStore from "@dynalock/core/PlatformKeyValueStore"
import type { Storage } from "@dynalock/core"
import { Effect, Encoding, Option, Schema } from "effect"
import { assertBytes, utf8 } from "../suite/assertions.js"
import type { PlatformSuiteContext } from "./context.js"
import { someValue } from "./methods.js"

/** A storage whose next update, once armed, is preceded by `interfere`: another writer getting there first. */
const racing = (storage: Storage.Storage, interfere: (key: string) => Effect.Effect<unknown, unknown>) => {
  let armed = false
  const wrapped: Storage.Storage = {
    ...storage,
    update: (request) => {
      if (!armed) return storage.update(request)
      armed = false
      return Effect.zipRight(Effect.orDie(interfere(request.key)), storage.update(request))
    }
  }
  return { storage: wrapped, arm: Effect.sync(() => (armed = true)) }
}

export const platformSharingTests = <R>({
  freshKv,
  kvOn,
  newPartition,
  storeOver,
  test,
  ttl,
  expire
}: PlatformSuiteContext<R>): void => {
  describe("on a shared table", () => {
    test("each adapter sees its own partition only: set, size and clear stay in it", () =>
      Effect.gen(function* () {
        const one = yield* freshKv
        const two = yield* freshKv
        yield* one.kv.set("shared-key", "one")
        yield* one.kv.set("only-one", "one")
        yield* two.kv.set("shared-key", "two")
        assert.deepStrictEqual(yield* one.kv.get("shared-key"), Option.some("one"))
        assert.deepStrictEqual(yield* two.kv.get("shared-key"), Option.some("two"))
        assert.isFalse(yield* two.kv.has("only-one"))
        assert.strictEqual(yield* one.kv.size, 2)
        assert.strictEqual(yield* two.kv.size, 1)
        yield* two.kv.clear
        assert.isTrue(yield* two.kv.isEmpty)
        assert.strictEqual(yield* one.kv.size, 2)
      }))

    test("two clients of one partition see each other's writes", () =>
      Effect.gen(function* () {
        const partition = yield* newPartition
        const one = yield* kvOn(partition)
        const two = yield* kvOn(partition)
        yield* one.kv.set("k", "from one")
        assert.deepStrictEqual(yield* two.kv.get("k"), Option.some("from one"))
        yield* two.kv.remove("k")
        assert.isFalse(yield* one.kv.has("k"))
      }))

    test("items the store wrote are read as layerMemory reads bytes; what the adapter wrote, the store reads", () =>
      Effect.gen(function* () {
        const { kv, store } = yield* freshKv
        yield* store.put("by-put", "hello")
        assertBytes(someValue(yield* kv.getUint8Array("by-put"), "by-put"), utf8("hello"))
        assert.deepStrictEqual(yield* kv.get("by-put"), Option.some(Encoding.encodeBase64(utf8("hello"))))

        // forSchema items are native DynamoDB values: they read as their JSON, as the store's `get` gives them.
        const Point = Schema.Struct({ x: Schema.Number, label: Schema.String })
        yield* store.forSchema(Point).put("by-schema", { x: 1, label: "p" })
        assert.deepStrictEqual(yield* kv.forSchema(Point).get("by-schema"), Option.some({ x: 1, label: "p" }))

        yield* kv.set("as-text", "ünïcode")
        assert.strictEqual((yield* store.forSchema(Schema.String).get("as-text")).value, "ünïcode")
        yield* kv.set("as-bytes", Uint8Array.from([0, 1, 255]))
        assertBytes((yield* store.get("as-bytes")).value, Uint8Array.from([0, 1, 255]))
      }))

    test("items that expired (written by the store with a ttl) are absent", () =>
      Effect.gen(function* () {
        const { kv, store } = yield* freshKv
        yield* store.put("short-lived", "v", { ttl })
        yield* kv.set("kept", "v")
        assert.isTrue(yield* kv.has("short-lived"))
        assert.strictEqual(yield* kv.size, 2)
        yield* expire
        assert.isTrue(Option.isNone(yield* kv.get("short-lived")))
        assert.isTrue(Option.isNone(yield* kv.getUint8Array("short-lived")))
        assert.isFalse(yield* kv.has("short-lived"))
        assert.isTrue(Option.isNone(yield* kv.modify("short-lived", (v) => v + "!")))
        assert.strictEqual(yield* kv.size, 1)
        yield* kv.remove("kept")
        assert.isTrue(yield* kv.isEmpty)
        // A set over the expired item makes it live again, for good.
        yield* kv.set("short-lived", "again")
        yield* expire
        assert.deepStrictEqual(yield* kv.get("short-lived"), Option.some("again"))
      }))

    test("modify racing another writer applies the function again to the newer value", () =>
      Effect.gen(function* () {
        const { storage } = yield* freshKv
        const race = racing(storage, (key) =>
          storage.update({
            key,
            condition: { _tag: "Always" },
            payload: { _tag: "Text", text: "theirs" },
            expiresAt: Option.none()
          })
        )
        const kv = PlatformKeyValueStore.make(yield* storeOver(race.storage))
        yield* kv.set("k", "mine")
        yield* race.arm
        const seen: Array<string> = []
        const result = yield* kv.modify("k", (v) => {
          seen.push(v)
          return `${v}+1`
        })
        assert.deepStrictEqual(seen, ["mine", "theirs"])
        assert.deepStrictEqual(result, Option.some("theirs+1"))
        assert.deepStrictEqual(yield* kv.get("k"), Option.some("theirs+1"))
      }))

    test("modify racing a remove is none and does not bring the key back", () =>
      Effect.gen(function* () {
        const { storage } = yield* freshKv
        const race = racing(storage, (key) => storage.delete({ key, condition: { _tag: "Always" } }))
        const kv = PlatformKeyValueStore.make(yield* storeOver(race.storage))
        yield* kv.set("k", Uint8Array.from([1]))
        yield* race.arm
        const result = yield* kv.modifyUint8Array("k", (v) => Uint8Array.from([...v, 2]))
        assert.isTrue(Option.isNone(result))
        assert.isFalse(yield* kv.has("k"))
      }))

    test("concurrent modifies from two clients lose no update", () =>
      Effect.gen(function* () {
        const partition = yield* newPartition
        const clients = [yield* kvOn(partition), yield* kvOn(partition)]
        yield* clients[0]!.kv.set("counter", "0")
        const increment = (v: string) => String(Number(v) + 1)
        const perFiber = 3
        const fibersPerClient = 3
        yield* Effect.forEach(
          clients.flatMap((client) => Array.from({ length: fibersPerClient }, () => client)),
          (client) => Effect.repeatN(client.kv.modify("counter", increment), perFiber - 1),
          { concurrency: "unbounded", discard: true }
        )
        const final = Option.getOrNull(yield* clients[1]!.kv.get("counter"))
        assert.strictEqual(final, String(clients.length * fibersPerClient * perFiber), "every increment counted")
      }))
  })
}
