/** Semaphores: at most `limit` permits held at once, served in order, leased, renewed and released like locks. */
import { assert, describe } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { failsWith } from "../suite/assertions.js"
import type { LockSuiteContext } from "./context.js"

export const lockSemaphoreTests = <R>({ clients, elapse, skew, test, ttl, within }: LockSuiteContext<R>): void => {
  describe("semaphores", () => {
    test("never more than limit permits at once; a released permit goes to the next", () =>
      Effect.gen(function* () {
        const [a, b, c] = yield* clients(3)
        const semaphore = (client: typeof a) => client!.locker.semaphore("pool", 2)
        assert.strictEqual(yield* semaphore(a).available, 2)
        const first = yield* semaphore(a).acquire(1, { ttl })
        const second = yield* semaphore(b).acquire(1, { ttl })
        assert.strictEqual(yield* semaphore(c).available, 0)
        assert.isTrue(Option.isNone(yield* semaphore(c).tryAcquire(1, { ttl })), "the limit is reached")
        assert.strictEqual(first.permits, 1)
        yield* second.release
        assert.strictEqual(yield* semaphore(c).available, 1)
        const third = yield* semaphore(c).tryAcquire(1, { ttl })
        assert.isTrue(Option.isSome(third))
        assert.isTrue(Duration.greaterThan(yield* first.remaining, Duration.zero))
      }))

    test("a request for several permits; permits out of range, a bad limit and a value are InvalidInput", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const held = yield* a!.locker.semaphore("pool", 3).acquire(2, { ttl })
        assert.strictEqual(held.permits, 2)
        assert.isTrue(Option.isNone(yield* b!.locker.semaphore("pool", 3).tryAcquire(2, { ttl })))
        assert.isTrue(Option.isSome(yield* b!.locker.semaphore("pool", 3).tryAcquire(1, { ttl })))
        const pool = b!.locker.semaphore("pool", 3)
        yield* failsWith(pool.acquire(0), "InvalidInput", "no permits")
        yield* failsWith(pool.acquire(4), "InvalidInput", "more than the limit")
        yield* failsWith(pool.acquire(1.5), "InvalidInput", "a fraction")
        yield* failsWith(pool.acquire(1, { value: "x" }), "InvalidInput", "a value")
        yield* failsWith(b!.locker.semaphore("other", 0).acquire(), "InvalidInput", "limit 0")
        yield* failsWith(b!.locker.semaphore("other", Number.NaN).available, "InvalidInput", "limit NaN")
        yield* failsWith(b!.locker.semaphore("", 2).available, "InvalidInput", "empty key")
      }))

    test("every client must use the same limit; a semaphore key is no plain lock, nor the other way round", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        yield* a!.locker.semaphore("pool", 2).acquire(1, { ttl })
        const mismatch = yield* failsWith(b!.locker.semaphore("pool", 3).acquire(1, { ttl }), "InvalidInput")
        assert.include(mismatch.message, "2")
        yield* failsWith(b!.locker.semaphore("pool", 3).available, "InvalidInput")
        yield* failsWith(b!.locker.acquire("pool", { ttl }), "InvalidInput", "a semaphore used as a lock")
        yield* failsWith(b!.locker.tryAcquire("pool", { ttl }), "InvalidInput", "tryAcquire too")
        yield* a!.locker.acquire("job", { ttl })
        yield* failsWith(
          b!.locker.semaphore("job", 2).acquire(1, { ttl }),
          "InvalidInput",
          "a lock used as a semaphore"
        )
      }))

    test("renewal keeps permits past their ttl; permits that expired count as free", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const pool = (client: typeof a) => client!.locker.semaphore("pool", 1)
        const renewed = yield* pool(a).acquire(1, { ttl })
        yield* elapse(Duration.times(ttl, 3))
        assert.isTrue(Duration.greaterThan(yield* renewed.remaining, Duration.zero), "renewed")
        assert.isTrue(Option.isNone(yield* pool(b).tryAcquire(1, { ttl })))
        yield* renewed.release
        const unrenewed = yield* pool(a).acquire(1, { ttl, renew: false })
        const lost = yield* within(Duration.times(ttl, 2), Effect.flip(unrenewed.lost))
        assert.strictEqual(lost.reason, "Expired")
        const next = yield* within(Duration.sum(Duration.times(ttl, 3), skew), pool(b).acquire(1, { ttl }))
        assert.strictEqual(next.permits, 1)
      }))

    test("served in order: a later request for one does not overtake an earlier one for two", () =>
      Effect.gen(function* () {
        const [a, b, c] = yield* clients(3)
        const pool = (client: typeof a) => client!.locker.semaphore("pool", 2)
        const one = yield* pool(a).acquire(1, { ttl })
        const wantsTwo = yield* Effect.fork(pool(b).acquire(2, { ttl }))
        yield* elapse(Duration.times(ttl, 0.5))
        const wantsOne = yield* Effect.fork(pool(c).acquire(1, { ttl }))
        yield* elapse(Duration.times(ttl, 1.5))
        assert.isTrue(
          Option.isNone(yield* Fiber.poll(wantsOne)),
          "one permit is free, but an earlier request waits for two"
        )
        assert.isTrue(Option.isNone(yield* Fiber.poll(wantsTwo)))
        yield* one.release
        const two = yield* within(Duration.times(ttl, 4), Fiber.join(wantsTwo))
        assert.strictEqual(two.permits, 2)
        assert.isTrue(Option.isNone(yield* Fiber.poll(wantsOne)))
        yield* two.release
        yield* within(Duration.times(ttl, 4), Fiber.join(wantsOne))
      }))

    test("withPermits runs the effect holding them and gives them back; interrupted waiters leave nothing behind", () =>
      Effect.gen(function* () {
        const [a, b, c] = yield* clients(3)
        const pool = (client: typeof a) => client!.locker.semaphore("pool", 1)
        const seen = yield* pool(a).withPermits(1, { ttl })(pool(b).available)
        assert.strictEqual(seen, 0)
        assert.strictEqual(yield* pool(b).available, 1)
        const held = yield* pool(a).acquire(1, { ttl })
        const waiter = yield* Effect.fork(pool(b).acquire(1, { ttl }))
        yield* elapse(ttl)
        yield* Fiber.interrupt(waiter)
        assert.strictEqual(Option.getOrThrow(yield* c!.locker.inspect("pool")).waiting, 0, "no place left in line")
        yield* held.release
        assert.isTrue(Option.isSome(yield* pool(c).tryAcquire(1, { ttl })))
      }))

    test("inspect shows a semaphore as held while any permit is; forceRelease breaks all its permits", () =>
      Effect.gen(function* () {
        const [a, b, operator] = yield* clients(3)
        const pool = (client: typeof a) => client!.locker.semaphore("pool", 2)
        const first = yield* pool(a).acquire(1, { ttl })
        yield* pool(b).acquire(1, { ttl })
        const lost = yield* Effect.fork(Effect.flip(first.lost))
        assert.isTrue(Option.getOrThrow(yield* operator!.locker.inspect("pool")).held)
        assert.isTrue(yield* operator!.locker.forceRelease("pool"))
        assert.strictEqual(yield* pool(operator).available, 2)
        const error = yield* within(ttl, Fiber.join(lost))
        assert.strictEqual(error.reason, "Vanished")
      }))
  })
}
