import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Duration, Effect, Exit, Fiber, Option, Ref, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { instrument, lockStep } from "./support/instrument.js"
import type { Fate, Operation } from "./support/instrument.js"

const isRenewal = (operation: Operation, request: unknown) => lockStep(operation, request) === "renew"
const isAcquisition = (operation: Operation, request: unknown) => lockStep(operation, request) === "claim"

describe("lock resilience (memory, TestClock)", () => {
  it.scoped("an acquisition whose answer is lost is reconciled by reading back: the lock is held", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      let lostOnce = false
      const probe = instrument(table.storage("locks"), {
        fate: (operation, request): Fate => {
          if (!lostOnce && isAcquisition(operation, request)) {
            lostOnce = true
            return "lose"
          }
          return "pass"
        }
      })
      const { locker } = yield* Dynalock.makeOn(probe.storage)
      const acquiring = yield* Effect.fork(locker.acquire("job", { ttl: "1 second" }))
      yield* TestClock.adjust("1 second")
      const lock = yield* Fiber.join(acquiring)
      assert.isTrue(lostOnce)
      assert.strictEqual(lock.fencingToken, 1n, "the lost write applied once; no second lease was taken")
      const record = yield* table.storage("locks").get("job", true)
      assert.isTrue(Option.isSome(record) && Option.isSome(record.value.lock.owner))
    })
  )

  it.scoped("a renewal whose answer is lost is not a loss", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const probe = instrument(table.storage("locks"), {
        fate: (operation, request): Fate => (isRenewal(operation, request) ? "lose" : "pass")
      })
      const { locker } = yield* Dynalock.makeOn(probe.storage)
      const lock = yield* locker.acquire("job", { ttl: "1 second" })
      const lost = yield* Effect.fork(lock.lost)
      for (let i = 0; i < 50; i++) yield* TestClock.adjust("100 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(lost)), "still held after 5 ttls of lost renewal answers")
      assert.isAbove(probe.counts.update, 5)
      assert.isTrue(Duration.greaterThan(yield* lock.remaining, Duration.zero))
    })
  )

  it.scoped("a release whose answer is lost is checked by reading back, and not sent twice", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const isRelease = (operation: Operation, request: unknown) => lockStep(operation, request) === "release"
      let releases = 0
      const probe = instrument(table.storage("locks"), {
        fate: (operation, request): Fate => {
          if (!isRelease(operation, request)) return "pass"
          releases++
          return "lose"
        }
      })
      const { locker } = yield* Dynalock.makeOn(probe.storage)
      const lock = yield* locker.acquire("job")
      const readsBefore = probe.counts.get
      yield* lock.release
      assert.strictEqual(releases, 1, "the read-back showed the release applied")
      assert.strictEqual(probe.counts.get, readsBefore + 1)
      const record = yield* table.storage("locks").get("job", true)
      assert.isTrue(Option.isSome(record) && Option.isNone(record.value.lock.owner))
    })
  )

  it.scoped("a holder that cannot renew learns it through lost before another client can take over", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const holderProbe = instrument(table.storage("locks"), {
        fate: (operation, request): Fate => (isRenewal(operation, request) ? "fail" : "pass")
      })
      const holder = yield* Dynalock.makeOn(holderProbe.storage)
      const other = yield* Dynalock.makeOn(table.storage("locks"))
      const lock = yield* holder.locker.acquire("job", { ttl: "1 second" })
      const lostAt = yield* Deferred.make<number>()
      yield* Effect.fork(
        Effect.flatMap(Effect.flip(lock.lost), () =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => Deferred.succeed(lostAt, now))
        )
      )
      const takeover = yield* Effect.fork(
        Effect.scoped(Effect.zipRight(other.locker.acquire("job", { ttl: "1 second" }), Clock.currentTimeMillis))
      )
      for (let i = 0; i < 60; i++) yield* TestClock.adjust("50 millis")
      const lostTime = yield* Deferred.await(lostAt)
      const takeoverTime = yield* Fiber.join(takeover)
      assert.isBelow(lostTime, 1000, "lost before the local lease end")
      assert.isBelow(lostTime, takeoverTime)
      assert.isAtLeast(takeoverTime, 1000 + 1000, "others wait for lease end + skew bound")
    })
  )

  it.scoped("withLock interrupts the protected effect when the lock is lost and fails with LockLost", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const probe = instrument(table.storage("locks"), {
        fate: (operation, request): Fate => (isRenewal(operation, request) ? "fail" : "pass")
      })
      const { locker } = yield* Dynalock.makeOn(probe.storage)
      const interrupted = yield* Ref.make(false)
      const fiber = yield* Effect.fork(
        locker.withLock("job", { ttl: "1 second" })(
          Effect.never.pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
        )
      )
      for (let i = 0; i < 30; i++) yield* TestClock.adjust("50 millis")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "LockLost")
      assert.isTrue(yield* Ref.get(interrupted))
    })
  )

  it.scoped("withLock returns the effect's result and releases the lock", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const { locker } = yield* Dynalock.makeOn(table.storage("locks"))
      const result = yield* locker.withLock("job")(Effect.succeed(42))
      assert.strictEqual(result, 42)
      const failure = yield* Effect.flip(locker.withLock("job")(Effect.fail("boom" as const)))
      assert.strictEqual(failure, "boom")
      const record = yield* table.storage("locks").get("job", true)
      assert.isTrue(Option.isSome(record) && Option.isNone(record.value.lock.owner), "released")
    })
  )

  it.scoped("fencing tokens increase across release, expiry and takeover", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const a = yield* Dynalock.makeOn(table.storage("locks"))
      const b = yield* Dynalock.makeOn(table.storage("locks"))
      const tokens: Array<bigint> = []
      // release
      tokens.push(yield* Effect.scoped(Effect.map(a.locker.acquire("k"), (l) => l.fencingToken)))
      tokens.push(yield* Effect.scoped(Effect.map(b.locker.acquire("k"), (l) => l.fencingToken)))
      // expiry then takeover
      const scope = yield* Effect.scope
      yield* Effect.scoped(
        Effect.gen(function* () {
          const held = yield* a.locker.acquire("k", { ttl: "500 millis", renew: false })
          tokens.push(held.fencingToken)
          yield* TestClock.adjust("2 seconds")
          const next = yield* b.locker.acquire("k", { wait: false })
          tokens.push(next.fencingToken)
        })
      )
      void scope
      tokens.push(yield* Effect.scoped(Effect.map(a.locker.acquire("k"), (l) => l.fencingToken)))
      assert.deepStrictEqual(tokens, [1n, 2n, 3n, 4n, 5n])
    }).pipe(Effect.scoped)
  )
})
