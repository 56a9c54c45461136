/** Lock records apart from key/value items, so that data cannot break a lock; or shared with them, as Go keeps them. */
import { assert, describe } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { fromUtf8 } from "../suite/assertions.js"
import type { LockSuiteContext } from "./context.js"

export const lockNamespaceTests = <R>({ clients, sharedClients, test, ttl }: LockSuiteContext<R>): void => {
  describe("namespaces", () => {
    test("the store sees nothing of a held lock, and its put and delete of the same key break nothing", () =>
      Effect.gen(function* () {
        const [a, b, c] = yield* clients(3)
        const held = yield* a!.locker.acquire("job", { ttl, value: "holder-a" })
        const lost = yield* Effect.fork(held.lost)
        assert.isFalse(yield* b!.store.exists("job"), "no key/value item named after the lock")
        yield* b!.store.delete("job")
        const written = yield* b!.store.put("job", "data")
        assert.strictEqual(written.version, 1)
        assert.isTrue(
          Option.isNone(yield* c!.locker.tryAcquire("job", { ttl })),
          "still held after the store's delete and put"
        )
        assert.isTrue(Option.isNone(yield* Fiber.poll(lost)), "the holder did not lose it")
        assert.isTrue(Duration.greaterThan(yield* held.remaining, Duration.zero))
        yield* held.release
        // Lock cycles leave the key/value item of the same key alone.
        const next = yield* c!.locker.acquire("job", { ttl, value: "holder-c" })
        yield* next.release
        const item = yield* b!.store.get("job")
        assert.strictEqual(fromUtf8(item.value), "data")
        assert.strictEqual(item.version, 1)
        assert.isTrue(next.fencingToken > held.fencingToken)
      }))

    test("with the lock partition set to the store's own (as Go dynalock keeps locks), locks exclude as before", () =>
      Effect.gen(function* () {
        const [a, b] = yield* sharedClients(2)
        const held = yield* a!.locker.acquire("job", { ttl, value: "holder-a" })
        // The lock record is then an item of the store's partition, visible (with its lease as expiry) while held.
        const record = yield* b!.store.get("job")
        assert.strictEqual(fromUtf8(record.value), "holder-a")
        assert.isTrue(Option.isSome(record.expires))
        assert.isTrue(Option.isNone(yield* b!.locker.tryAcquire("job", { ttl })))
        yield* held.release
        assert.isFalse(yield* b!.store.exists("job"), "released: expired")
        const next = yield* b!.locker.tryAcquire("job", { ttl })
        assert.isTrue(Option.isSome(next) && Option.getOrThrow(next).fencingToken > held.fencingToken)
      }))
  })
}
