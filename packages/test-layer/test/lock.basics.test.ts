import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Option, Schedule, TestClock } from "effect"
import { MemoryStore, MemoryTable } from "@dynalock/test-layer"

const clients = (n: number) =>
  Effect.gen(function* () {
    const table = yield* MemoryTable.make
    const result = []
    for (let i = 0; i < n; i++) result.push(yield* MemoryStore.make({ table, partition: "locks" }))
    return { table, clients: result }
  })

describe("Locker on memory (TestClock)", () => {
  it.scoped("lock, unlock, relock with the same options", () =>
    Effect.gen(function* () {
      const {
        clients: [a]
      } = yield* clients(1)
      const options = { ttl: "2 seconds", value: "payload" } as const
      const first = yield* a!.locker.acquire("job", options)
      assert.strictEqual(new TextDecoder().decode(first.value), "payload")
      yield* first.release
      const second = yield* a!.locker.acquire("job", options)
      assert.isTrue(second.fencingToken > first.fencingToken)
      yield* second.release
      yield* second.release // idempotent
    })
  )

  it.scoped("wait: false on a held lock fails at once; tryAcquire gives none", () =>
    Effect.gen(function* () {
      const {
        clients: [a, b]
      } = yield* clients(2)
      yield* a!.locker.acquire("job")
      const error = yield* Effect.flip(b!.locker.acquire("job", { wait: false }))
      assert.strictEqual(error._tag, "AcquireCancelled")
      assert.strictEqual(error._tag === "AcquireCancelled" && error.reason, "Held")
      const attempt = yield* b!.locker.tryAcquire("job")
      assert.isTrue(Option.isNone(attempt))
    })
  )

  it.scoped("locks are not reentrant: the holding client's own tryAcquire and wait: false fail at once", () =>
    Effect.gen(function* () {
      const {
        clients: [a]
      } = yield* clients(1)
      yield* a!.locker.acquire("job")
      assert.isTrue(Option.isNone(yield* a!.locker.tryAcquire("job")))
      const error = yield* Effect.flip(a!.locker.acquire("job", { wait: false }))
      assert.strictEqual(error._tag === "AcquireCancelled" && error.reason, "Held")
    })
  )

  it.scoped("acquire with a timeout while held fails with AcquireCancelled(Timeout)", () =>
    Effect.gen(function* () {
      const {
        clients: [a, b]
      } = yield* clients(2)
      yield* a!.locker.acquire("job", { ttl: "10 seconds" })
      const fiber = yield* Effect.fork(Effect.scoped(b!.locker.acquire("job", { timeout: "3 seconds" })))
      yield* TestClock.adjust("3 seconds")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag === "AcquireCancelled" && error.reason, "Timeout")
    })
  )

  it.scoped("a renewing holder keeps the lock past its ttl; the waiter gets it once the holder lets go", () =>
    Effect.gen(function* () {
      const {
        clients: [a, b]
      } = yield* clients(2)
      const holderDone = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(a!.locker.withLock("job", { ttl: "1 second" })(Deferred.await(holderDone)))
      yield* TestClock.adjust("10 millis")
      const waiter = yield* Effect.fork(
        Effect.scoped(Effect.map(b!.locker.acquire("job", { ttl: "1 second" }), (lock) => lock.fencingToken))
      )
      for (let i = 0; i < 50; i++) yield* TestClock.adjust("100 millis")
      assert.isNull(yield* Fiber.poll(waiter).pipe(Effect.map(Option.getOrNull)))
      yield* Deferred.succeed(holderDone, undefined)
      yield* Fiber.join(holder)
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("100 millis")
      const token = yield* Fiber.join(waiter)
      assert.isTrue(token > 1n)
    })
  )

  it.scoped("a lock without renewal expires: lost fails, another client takes over after ttl + skew", () =>
    Effect.gen(function* () {
      const {
        clients: [a, b]
      } = yield* clients(2)
      const lock = yield* a!.locker.acquire("job", { ttl: "1 second", renew: false })
      const lost = yield* Effect.fork(Effect.flip(lock.lost))
      yield* TestClock.adjust("900 millis")
      const error = yield* Fiber.join(lost)
      assert.strictEqual(error.reason, "Expired")
      assert.isTrue(Duration.equals(yield* lock.remaining, Duration.zero))
      // Held for others until lease end + default skew (1 s).
      assert.isTrue(Option.isNone(yield* b!.locker.tryAcquire("job")))
      yield* TestClock.adjust("1200 millis")
      const next = yield* b!.locker.tryAcquire("job")
      assert.isTrue(Option.isSome(next))
      assert.isTrue(Option.getOrThrow(next).fencingToken > lock.fencingToken)
    })
  )

  it.scoped("with the default jittered schedule under TestClock, a waiter takes over an expired lease (no spin)", () =>
    Effect.gen(function* () {
      const {
        clients: [a, b]
      } = yield* clients(2)
      for (let round = 0; round < 5; round++) {
        const held = yield* a!.locker.acquire(`job-${round}`, { ttl: "1 second", renew: false })
        const waiter = yield* Effect.fork(
          Effect.scoped(Effect.map(b!.locker.acquire(`job-${round}`), (lock) => lock.fencingToken))
        )
        for (let i = 0; i < 40; i++) yield* TestClock.adjust("100 millis")
        assert.isTrue((yield* Fiber.join(waiter)) > held.fencingToken)
      }
    })
  )

  it.effect("retry schedule exhausted gives AcquireCancelled(ScheduleExhausted)", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const {
          clients: [a, b]
        } = yield* clients(2)
        yield* a!.locker.acquire("job")
        const fiber = yield* Effect.fork(Effect.scoped(b!.locker.acquire("job", { retry: Schedule.recurs(3) })))
        yield* TestClock.adjust("1 second")
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.strictEqual(error._tag === "AcquireCancelled" && error.reason, "ScheduleExhausted")
      })
    )
  )
})
