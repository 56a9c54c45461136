/** Waiting: renewal keeps waiters out; timeouts and interruption end a wait; the wait ends when the lock frees. */
import { assert, describe } from "@effect/vitest"
import { Duration, Effect, Fiber, Option } from "effect"
import { failsWith } from "../suite/assertions.js"
import type { LockSuiteContext } from "./context.js"

export const lockWaitingTests = <R>({ clients, elapse, skew, test, ttl, within }: LockSuiteContext<R>): void => {
  describe("waiting", () => {
    test("a renewing holder keeps the lock for several ttls while a waiter stays blocked; then the waiter gets it", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const held = yield* a!.locker.acquire("job", { ttl })
        const waiter = yield* Effect.fork(b!.locker.acquire("job", { ttl }))
        yield* elapse(Duration.times(ttl, 3))
        assert.isTrue(Option.isNone(yield* Fiber.poll(waiter)), "still waiting after 3 ttls")
        assert.isTrue(Duration.greaterThan(yield* held.remaining, Duration.zero), "still held")
        yield* held.release
        const next = yield* within(Duration.times(ttl, 4), Fiber.join(waiter))
        assert.isTrue(next.fencingToken > held.fencingToken)
      }))

    test("acquire with a timeout while held fails with AcquireCancelled(Timeout)", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        yield* a!.locker.acquire("job", { ttl })
        const error = yield* within(
          Duration.times(ttl, 4),
          failsWith(b!.locker.acquire("job", { ttl, timeout: ttl }), "AcquireCancelled")
        )
        assert.strictEqual(error.reason, "Timeout")
      }))

    test("a lock without renewal expires: lost fails with Expired, and another client takes over after ttl + skew", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const held = yield* a!.locker.acquire("job", { ttl, renew: false })
        const lost = yield* within(Duration.times(ttl, 2), Effect.flip(held.lost))
        assert.strictEqual(lost._tag, "LockLost")
        assert.strictEqual(lost.reason, "Expired")
        assert.isTrue(
          Duration.equals(yield* held.remaining, Duration.zero) || Duration.lessThan(yield* held.remaining, ttl)
        )
        const next = yield* within(Duration.sum(Duration.times(ttl, 3), skew), b!.locker.acquire("job", { ttl }))
        assert.isTrue(next.fencingToken > held.fencingToken)
      }))

    test(
      "interrupting a waiting acquire leaves no lease behind",
      () =>
        Effect.gen(function* () {
          const [a, b, c] = yield* clients(3)
          const held = yield* a!.locker.acquire("job", { ttl })
          const waiter = yield* Effect.fork(b!.locker.acquire("job", { ttl }))
          yield* elapse(ttl)
          yield* Fiber.interrupt(waiter)
          yield* held.release
          // The interrupted waiter's place in line lapses; c gets the lock without waiting for a lease of b's.
          const next = yield* within(
            Duration.sum(Duration.times(ttl, 2), Duration.seconds(3)),
            c!.locker.acquire("job", { ttl })
          )
          assert.isTrue(next.fencingToken > held.fencingToken)
        }),
      40_000
    )
  })
}
