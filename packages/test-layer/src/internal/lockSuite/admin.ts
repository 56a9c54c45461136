/** The operator's verbs: inspect a lock, list the held ones, break a stuck one; and the lock handed to withLock. */
import { assert, describe } from "@effect/vitest"
import { DateTime, Duration, Effect, Fiber, Option } from "effect"
import { fromUtf8 } from "../suite/assertions.js"
import type { LockSuiteContext } from "./context.js"

export const lockAdminTests = <R>({ clients, elapse, test, ttl, within }: LockSuiteContext<R>): void => {
  describe("admin", () => {
    test("inspect: none for a key never locked; the holder, token, lease end, value and waiters; then released", () =>
      Effect.gen(function* () {
        const [a, b, c] = yield* clients(3)
        assert.isTrue(Option.isNone(yield* c!.locker.inspect("job")))
        const held = yield* a!.locker.acquire("job", { ttl, value: "holder-a" })
        const waiter = yield* Effect.fork(b!.locker.acquire("job", { ttl }))
        yield* elapse(Duration.times(ttl, 0.5))
        const state = Option.getOrThrow(yield* c!.locker.inspect("job"))
        assert.strictEqual(state.key, "job")
        assert.isTrue(state.held)
        assert.strictEqual(state.fencingToken, held.fencingToken)
        assert.strictEqual(fromUtf8(state.value), "holder-a")
        assert.strictEqual(state.waiting, 1)
        const remaining = Duration.toMillis(yield* held.remaining)
        const left =
          DateTime.toEpochMillis(Option.getOrThrow(state.expires)) - DateTime.toEpochMillis(yield* DateTime.now)
        assert.isTrue(
          Math.abs(left - remaining) < Duration.toMillis(ttl) / 2,
          `lease end: ${left} vs ${remaining} ms left`
        )
        yield* held.release
        const next = yield* within(Duration.times(ttl, 4), Fiber.join(waiter))
        yield* next.release
        const after = Option.getOrThrow(yield* c!.locker.inspect("job"))
        assert.isFalse(after.held)
        assert.isTrue(Option.isNone(after.expires))
        assert.strictEqual(after.value.length, 0)
        assert.strictEqual(after.fencingToken, next.fencingToken, "the last holder's token")
        assert.strictEqual(after.waiting, 0)
      }))

    test("list: the held locks of a prefix only", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        yield* a!.locker.acquire("jobs/one", { ttl })
        yield* b!.locker.acquire("jobs/two", { ttl })
        yield* Effect.scoped(a!.locker.acquire("jobs/released", { ttl }))
        yield* a!.locker.acquire("other/three", { ttl })
        const listed = yield* b!.locker.list("jobs/")
        assert.deepStrictEqual(
          listed.map((state) => state.key),
          ["jobs/one", "jobs/two"]
        )
        assert.isTrue(listed.every((state) => state.held))
        assert.strictEqual((yield* b!.locker.list("")).length, 3)
      }))

    test(
      "list reads every page (locks with large values fill more than one 1 MB page)",
      () =>
        Effect.gen(function* () {
          const [a] = yield* clients(1)
          const value = new Uint8Array(300 * 1024).fill(7)
          for (const n of [1, 2, 3, 4, 5]) yield* a!.locker.acquire(`big/${n}`, { ttl: Duration.times(ttl, 20), value })
          assert.deepStrictEqual(
            (yield* a!.locker.list("big/")).map((state) => state.key),
            ["big/1", "big/2", "big/3", "big/4", "big/5"]
          )
        }),
      60_000
    )

    test("forceRelease breaks a live lease: true; the holder learns it at its next renewal; the next token is higher", () =>
      Effect.gen(function* () {
        const [a, b, operator] = yield* clients(3)
        assert.isFalse(yield* operator!.locker.forceRelease("job"), "never locked: nothing to break")
        const held = yield* a!.locker.acquire("job", { ttl })
        const lost = yield* Effect.fork(Effect.flip(held.lost))
        assert.isTrue(yield* operator!.locker.forceRelease("job"))
        assert.isFalse(yield* operator!.locker.forceRelease("job"), "broken already")
        const next = yield* b!.locker.tryAcquire("job", { ttl })
        assert.isTrue(Option.isSome(next))
        assert.isTrue(Option.getOrThrow(next).fencingToken > held.fencingToken)
        // Renewal comes at a third of the lease.
        const error = yield* within(ttl, Fiber.join(lost))
        assert.strictEqual(error._tag, "LockLost")
        assert.isTrue(error.reason === "TakenOver" || error.reason === "Vanished", error.reason)
      }))

    test("withLock hands the held lock to a function: its fencing token is the record's", () =>
      Effect.gen(function* () {
        const [a, b] = yield* clients(2)
        const token = yield* a!.locker.withLock("job", { ttl })((lock) =>
          Effect.map(b!.locker.inspect("job"), (state) => {
            assert.strictEqual(Option.getOrThrow(state).fencingToken, lock.fencingToken)
            assert.strictEqual(lock.key, "job")
            return lock.fencingToken
          })
        )
        assert.isTrue(token > 0n)
      }))
  })
}
