/** Acquire, release, re-acquire; values; fencing; scope-managed release; input checks. */
import { assert, describe } from "@effect/vitest"
import { Effect, Option } from "effect"
import { failsWith, fromUtf8 } from "../suite/assertions.js"
import type { LockSuiteContext } from "./context.js"

export const lockBasicsTests = <R>({ clients, test, ttl }: LockSuiteContext<R>): void => {
  describe("acquire and release", () => {
    test("lock, unlock and lock again with the same options; fencing tokens increase", () =>
      Effect.gen(function* () {
        const [a] = yield* clients(1)
        const options = { ttl, value: "worker-1" }
        const first = yield* a!.locker.acquire("job", options)
        assert.strictEqual(first.key, "job")
        assert.strictEqual(fromUtf8(first.value), "worker-1")
        yield* first.release
        yield* first.release // idempotent
        const second = yield* a!.locker.acquire("job", options)
        assert.isTrue(second.fencingToken > first.fencingToken)
      }))

    test("closing the acquiring scope releases the lock: another client takes it at once", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const first = yield* Effect.scoped(Effect.map(a!.locker.acquire("job", { ttl }), (lock) => lock.fencingToken))
        const next = yield* b!.locker.tryAcquire("job", { ttl })
        assert.isTrue(Option.isSome(next))
        assert.isTrue(Option.getOrThrow(next).fencingToken > first)
      }))

    test("wait: false on a held lock fails at once with AcquireCancelled(Held); tryAcquire gives none", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const held = yield* a!.locker.acquire("job", { ttl })
        const error = yield* failsWith(b!.locker.acquire("job", { ttl, wait: false }), "AcquireCancelled")
        assert.strictEqual(error.reason, "Held")
        assert.strictEqual(error.key, "job")
        assert.isTrue(Option.isNone(yield* b!.locker.tryAcquire("job", { ttl })))
        yield* held.release
        assert.isTrue(Option.isSome(yield* b!.locker.tryAcquire("job", { ttl })))
      }))

    test("locks on different keys are independent", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        yield* a!.locker.acquire("one", { ttl })
        assert.isTrue(Option.isSome(yield* b!.locker.tryAcquire("two", { ttl })))
      }))

    test("withLock runs the effect while holding the lock and releases it after success or failure", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const seen = yield* a!.locker.withLock("job", { ttl })(
          Effect.map(b!.locker.tryAcquire("job", { ttl }), Option.isSome)
        )
        assert.isFalse(seen, "held during the effect")
        const failure = yield* Effect.flip(a!.locker.withLock("job", { ttl })(Effect.fail("boom" as const)))
        assert.strictEqual(failure, "boom")
        assert.isTrue(Option.isSome(yield* b!.locker.tryAcquire("job", { ttl })), "released after the failure")
      }))

    test("bad input fails with InvalidInput before any request", () =>
      Effect.gen(function* () {
        const [a] = yield* clients(1)
        yield* failsWith(a!.locker.acquire(""), "InvalidInput", "empty key")
        yield* failsWith(a!.locker.acquire("k".repeat(1025)), "InvalidInput", "long key")
        yield* failsWith(a!.locker.acquire("job", { ttl: 0 }), "InvalidInput", "zero ttl")
        yield* failsWith(a!.locker.acquire("job", { ttl: Number.NaN }), "InvalidInput", "NaN ttl")
        yield* failsWith(a!.locker.acquire("job", { timeout: -1 }), "InvalidInput", "negative timeout")
        yield* failsWith(a!.locker.tryAcquire("job", { ttl: "forever" as never }), "InvalidInput", "unparsable ttl")
        yield* failsWith(a!.locker.acquire("job", { retry: "often" as never }), "InvalidInput", "retry not a Schedule")
        yield* failsWith(
          a!.locker.acquire("job", { value: 42 as never }),
          "InvalidInput",
          "value neither bytes nor string"
        )
        // What fits one item beside the room kept for the line of waiters: no bigger value is ever sent.
        const tooLarge = new Uint8Array(400 * 1024 - 64 * 1024)
        yield* failsWith(
          a!.locker.acquire("job", { value: tooLarge }),
          "InvalidInput",
          "value too large for a lock record"
        )
        yield* failsWith(
          a!.locker.tryAcquire("job", { value: tooLarge }),
          "InvalidInput",
          "value too large (tryAcquire)"
        )
        assert.isTrue(Option.isNone(yield* a!.locker.inspect("job")), "nothing was written")
      }))
  })
}
