// Liveness: waiters that give up leave nothing behind, a lost answer to a join costs nothing later, crashed
// waiters delay a free lock by a bounded total, and a store that is gone ends the wait with its error.
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Either, Exit, Fiber, Option, Schedule, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { isJoin, misbehaving, once, serve } from "./support/faults.js"
import type { Misbehaviour } from "./support/faults.js"

const run = (millis: number, step = 10) =>
  Effect.forEach(Array.from({ length: Math.ceil(millis / step) }), () => TestClock.adjust(step), { discard: true })

/** The time (test clock) at which `effect` succeeds, running the clock meanwhile; none if not within `limit`. */
const timeOf = <A, E>(effect: Effect.Effect<A, E>, limit: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(Effect.zipRight(effect, TestClock.currentTimeMillis))
    for (let waited = 0; waited < limit; waited += 10) {
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      yield* TestClock.adjust(10)
    }
    const done = yield* Fiber.poll(fiber)
    if (Option.isNone(done)) yield* Fiber.interrupt(fiber)
    return Option.flatMap(done, (exit) => (Exit.isSuccess(exit) ? Option.some(exit.value) : Option.none()))
  })

/**
 * A key held twice for 5 s, so that its record tells waiters a holding lasts about 5 s, and held again now.
 */
const heldLongTypically = Effect.gen(function* () {
  const table = yield* MemoryTable.make
  const holder = yield* Dynalock.makeOn(table.storage("locks"))
  for (const _ of [1, 2]) {
    const earlier = yield* holder.locker.acquire("job", { ttl: "10 seconds" })
    yield* run(5000, 100)
    yield* earlier.release
  }
  const held = yield* holder.locker.acquire("job", { ttl: "10 seconds" })
  return { table, held }
})

describe("liveness of the line of waiters (memory, TestClock)", () => {
  const setup = Effect.gen(function* () {
    const table = yield* MemoryTable.make
    const client = () => Dynalock.makeOn(table.storage("locks"))
    const holder = yield* client()
    const held = yield* holder.locker.acquire("job", { ttl: "10 seconds" })
    return { table, client, held }
  })

  it.scoped("five waiters that timed out leave a released lock free at once: a newcomer's tryAcquire gets it", () =>
    Effect.gen(function* () {
      const { client, held } = yield* setup
      const waiters = yield* Effect.forEach([1, 2, 3, 4, 5], () =>
        Effect.flatMap(client(), ({ locker }) =>
          Effect.fork(Effect.scoped(locker.acquire("job", { timeout: "200 millis" })))
        )
      )
      yield* run(500)
      for (const waiter of waiters) {
        const exit = yield* Fiber.await(waiter)
        assert.isTrue(Exit.isFailure(exit), "each waiter timed out")
      }
      yield* held.release
      const newcomer = yield* client()
      assert.isTrue(Option.isSome(yield* newcomer.locker.tryAcquire("job")), "nobody left in line holds the free lock")
    })
  )

  it.scoped("five interrupted waiters do the same", () =>
    Effect.gen(function* () {
      const { client, held } = yield* setup
      const waiters = yield* Effect.forEach([1, 2, 3, 4, 5], () =>
        Effect.flatMap(client(), ({ locker }) => Effect.fork(Effect.scoped(locker.acquire("job"))))
      )
      yield* run(500)
      yield* Fiber.interruptAll(waiters)
      yield* held.release
      const newcomer = yield* client()
      assert.isTrue(Option.isSome(yield* newcomer.locker.tryAcquire("job")))
    })
  )

  it.scoped("a client that timed out and waits again is not held up by its first wait", () =>
    Effect.gen(function* () {
      const { client, held } = yield* setup
      const { locker } = yield* client()
      const first = yield* Effect.fork(
        Effect.scoped(locker.acquire("job", { ttl: "300 millis", timeout: "200 millis" }))
      )
      yield* run(300)
      assert.isTrue(Exit.isFailure(yield* Fiber.await(first)))
      yield* held.release
      const releasedAt = yield* Clock.currentTimeMillis
      const second = yield* timeOf(
        Effect.scoped(locker.acquire("job", { ttl: "300 millis", timeout: "1200 millis" })),
        2000
      )
      assert.isTrue(Option.isSome(second), "the second wait got the lock within 4 x ttl")
      assert.isAtMost(Option.getOrThrow(second) - releasedAt, 100)
    })
  )

  it.scoped("a waiter whose place in line was taken but whose answer was lost holds nobody up (itself included)", () =>
    Effect.gen(function* () {
      const { table, held } = yield* setup
      const waiter = yield* Dynalock.makeOn(misbehaving(table.storage("locks"), once(isJoin, { _tag: "LoseAnswer" })))
      const waiting = yield* Effect.fork(Effect.scoped(Effect.as(waiter.locker.acquire("job"), "acquired")))
      yield* run(3000)
      yield* held.release
      const releasedAt = yield* Clock.currentTimeMillis
      const got = yield* timeOf(Fiber.join(waiting), 5000)
      assert.isTrue(Option.isSome(got))
      assert.isAtMost(Option.getOrThrow(got) - releasedAt, 1100, "no orphaned place to wait out")
    })
  )

  it.scoped("five crashed waiters delay a free lock by at most queueGrace + maxClockSkew in all", () =>
    Effect.gen(function* () {
      const { table, client, held } = yield* setup
      // A crash: the process stops and nothing it sends arrives any more (its clean-up included).
      let crashed = false
      const crashable = (): Misbehaviour => (crashed ? { _tag: "Hang" } : serve)
      const doomed = yield* Effect.forEach([1, 2, 3, 4, 5], () =>
        Effect.flatMap(Dynalock.makeOn(misbehaving(table.storage("locks"), crashable)), ({ locker }) =>
          Effect.fork(Effect.scoped(locker.acquire("job")))
        )
      )
      yield* run(1000)
      const survivor = yield* client()
      const surviving = yield* Effect.fork(Effect.scoped(Effect.as(survivor.locker.acquire("job"), "acquired")))
      yield* run(1000)
      crashed = true
      const crashedAt = yield* Clock.currentTimeMillis
      yield* held.release
      const got = yield* timeOf(Fiber.join(surviving), 20_000)
      yield* Fiber.interruptAll(doomed).pipe(Effect.fork)
      assert.isTrue(Option.isSome(got))
      // Defaults: queueGrace 2 s, maxClockSkew 1 s; the survivor looks again at least twice per grace.
      assert.isAtMost(Option.getOrThrow(got) - crashedAt, 2000 + 1000 + 1000)
    })
  )

  it.scoped("a release long before the key's typical hold is found by the first in line's schedule", () =>
    Effect.gen(function* () {
      const { table, held } = yield* heldLongTypically
      const waiter = yield* Dynalock.makeOn(table.storage("locks"))
      const retry = Schedule.spaced("20 millis")
      const waiting = yield* Effect.fork(Effect.scoped(Effect.as(waiter.locker.acquire("job", { retry }), "ok")))
      yield* run(200)
      yield* held.release
      const releasedAt = yield* Clock.currentTimeMillis
      const got = yield* timeOf(Fiber.join(waiting), 3000)
      assert.isTrue(Option.isSome(got))
      // Its schedule looks every 20 ms; waiting for the expected release (5 s on) would leave the lock free until
      // the place in line needs renewing, a second on.
      assert.isAtMost(Option.getOrThrow(got) - releasedAt, 20 + 10)
    })
  )

  it.scoped(
    "and when the first in line, taking over early, lets go early too, the second in line's schedule finds it",
    () =>
      Effect.gen(function* () {
        const { table, held } = yield* heldLongTypically
        const retry = Schedule.spaced("20 millis")
        let firstReleasedAt = 0
        const first = yield* Dynalock.makeOn(table.storage("locks"))
        const firstWaiting = yield* Effect.fork(
          Effect.scoped(
            Effect.gen(function* () {
              const lock = yield* first.locker.acquire("job", { retry, ttl: "10 seconds" })
              yield* Effect.sleep("50 millis")
              yield* lock.release
              firstReleasedAt = yield* Clock.currentTimeMillis
            })
          )
        )
        yield* run(20)
        const second = yield* Dynalock.makeOn(table.storage("locks"))
        const secondWaiting = yield* Effect.fork(
          Effect.scoped(Effect.as(second.locker.acquire("job", { retry, ttl: "10 seconds" }), "ok"))
        )
        yield* run(200)
        yield* held.release
        const got = yield* timeOf(Fiber.join(secondWaiting), 3000)
        yield* Fiber.join(firstWaiting)
        assert.isTrue(Option.isSome(got) && firstReleasedAt > 0)
        const free = Option.getOrThrow(got) - firstReleasedAt
        assert.isAtMost(free, 20 + 10, `the lock stayed free ${free} ms with the second waiter at the front`)
      })
  )

  it.scoped("a store that is gone ends a waiting acquire with its StoreError after maxStoreOutage", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const gone = yield* Dynalock.makeOn(
        misbehaving(table.storage("locks"), () => ({ _tag: "Fail" })),
        {
          lock: { maxStoreOutage: "3 seconds" }
        }
      )
      const started = yield* Clock.currentTimeMillis
      const attempt = yield* Effect.fork(Effect.scoped(Effect.either(gone.locker.acquire("job"))))
      const ended = yield* timeOf(Fiber.join(attempt), 60_000)
      assert.isTrue(Option.isSome(ended), "the wait ended")
      assert.isAtMost(Option.getOrThrow(ended) - started, 3000 + 1000)
      const outcome = yield* Fiber.join(attempt)
      assert.isTrue(Either.isLeft(outcome) && outcome.left._tag === "StoreError")
    })
  )

  it.scoped("by default, too, the wait on a gone store ends", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const gone = yield* Dynalock.makeOn(misbehaving(table.storage("locks"), () => ({ _tag: "Fail" })))
      const ended = yield* timeOf(Effect.scoped(Effect.either(gone.locker.acquire("job"))), 60_000)
      assert.isTrue(Option.isSome(ended))
    })
  )
})
