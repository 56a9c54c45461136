// Safety under late answers: a lease is handed out only while it still has its safety margin, by the local clock
// when the answer is in hand, counted from when the winning write was sent.
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Option, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { Lock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { isClaim, misbehaving, once, serve } from "./support/faults.js"
import type { Misbehaviour } from "./support/faults.js"

interface Holding {
  readonly who: string
  readonly token: bigint
  readonly enter: number
  /** The lease left when the lock was handed out, in ms. */
  readonly remaining: number
  exit: number
}

/** Holds the lock for `millis` (or until it is lost) and records when, by the shared test clock. */
const hold = (who: string, lock: Lock, millis: number, holdings: Array<Holding>) =>
  Effect.gen(function* () {
    const holding: Holding = {
      who,
      token: lock.fencingToken,
      enter: yield* TestClock.currentTimeMillis,
      remaining: Duration.toMillis(yield* lock.remaining),
      exit: Number.POSITIVE_INFINITY
    }
    holdings.push(holding)
    yield* Effect.raceFirst(Effect.sleep(millis), Effect.ignore(lock.lost))
    holding.exit = yield* TestClock.currentTimeMillis
  })

const overlaps = (holdings: ReadonlyArray<Holding>) =>
  holdings.flatMap((a, i) =>
    holdings
      .slice(i + 1)
      .filter((b) => a.enter < b.exit && b.enter < a.exit)
      .map((b) => `${a.who} [${a.enter}, ${a.exit}) and ${b.who} [${b.enter}, ${b.exit})`)
  )

const run = (millis: number) =>
  Effect.forEach(Array.from({ length: millis / 10 }), () => TestClock.adjust(10), { discard: true })

describe("late answers never hand out an unsafe lease (memory, TestClock)", () => {
  // ttl 1 s, skew 1 s (the default): the lease may be taken over from 2 s after the claim was sent.
  const scenario = (
    late: (operation: "get" | "update" | "delete" | "query", request: unknown) => ReturnType<ReturnType<typeof once>>
  ) =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const slow = yield* Dynalock.makeOn(misbehaving(table.storage("locks"), late))
      const other = yield* Dynalock.makeOn(table.storage("locks"))
      const holdings: Array<Holding> = []
      const slowFiber = yield* Effect.fork(
        Effect.scoped(
          Effect.flatMap(slow.locker.acquire("job", { ttl: "1 second" }), (lock) => hold("late", lock, 500, holdings))
        )
      )
      yield* TestClock.adjust(10)
      const otherFiber = yield* Effect.fork(
        Effect.scoped(
          Effect.flatMap(other.locker.acquire("job", { ttl: "1 second" }), (lock) =>
            hold("other", lock, 1000, holdings)
          )
        )
      )
      yield* run(8000)
      yield* Fiber.join(otherFiber)
      yield* Fiber.join(slowFiber)
      return holdings
    })

  it.scoped(
    "a claim applied at once but answered after the lease could have ended yields no lock until it is safe",
    () =>
      Effect.gen(function* () {
        const holdings = yield* scenario(once(isClaim, { _tag: "AnswerLate", millis: 2500 }))
        assert.deepStrictEqual(overlaps(holdings), [])
        const late = holdings.find((holding) => holding.who === "late")!
        const other = holdings.find((holding) => holding.who === "other")!
        assert.isAtLeast(late.enter, other.exit, "the late client holds only after the one that took the lease over")
        assert.isTrue(late.token > other.token, "and with a higher fencing token")
      })
  )

  it.scoped("the same when the claim's answer is lost and the read that shows the lease ours comes back late", () =>
    Effect.gen(function* () {
      let step: "claim" | "read" | "done" = "claim"
      const holdings = yield* scenario((operation, request) => {
        if (step === "claim" && isClaim(operation, request)) {
          step = "read"
          return { _tag: "LoseAnswer" }
        }
        if (step === "read" && operation === "get") {
          step = "done"
          return { _tag: "AnswerLate", millis: 2500 }
        }
        return { _tag: "Serve" }
      })
      assert.deepStrictEqual(overlaps(holdings), [])
      assert.strictEqual(holdings.length, 2)
    })
  )

  it.scoped("with wait: false, a late answer is no lock, and the lease it won is given back", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const slow = yield* Dynalock.makeOn(
        misbehaving(table.storage("locks"), once(isClaim, { _tag: "AnswerLate", millis: 900 }))
      )
      const attempt = yield* Effect.fork(slow.locker.tryAcquire("job", { ttl: "1 second" }))
      yield* run(1000)
      assert.isTrue(Option.isNone(yield* Fiber.join(attempt)))
      const record = yield* table.storage("locks").get("job", true)
      assert.isTrue(Option.isSome(record) && Option.isNone(record.value.lock.owner), "no lease left behind")
      const now = yield* Clock.currentTimeMillis
      const other = yield* Dynalock.makeOn(table.storage("locks"))
      assert.isTrue(Option.isSome(yield* other.locker.tryAcquire("job")), `free at ${now}`)
    })
  )

  describe("the first in line's turn claim (sent when the release is expected, without reading first)", () => {
    /** A claim that pins the line but not the version: what a waiter first in line sends at its expected turn. */
    const isTurnClaim = (operation: "get" | "update" | "delete" | "query", request: unknown) => {
      if (!isClaim(operation, request)) return false
      const condition = JSON.stringify((request as { condition: unknown }).condition)
      return condition.includes('"LineAt"') && !condition.includes('"VersionIs"')
    }

    /** Two clients taking turns, 50 ms holds, ttl 1 s; `fault` decides what happens to the waiter's nth turn claim. */
    const handoffs = (fault: Misbehaviour, nth: number) =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        let turnClaims = 0
        const faulty = misbehaving(table.storage("locks"), (operation, request) => {
          if (!isTurnClaim(operation, request)) return serve
          turnClaims++
          return turnClaims === nth ? fault : serve
        })
        const holdings: Array<Holding> = []
        const fibers = []
        for (const [who, storage] of [
          ["faulty", faulty],
          ["other", table.storage("locks")]
        ] as const) {
          const { locker } = yield* Dynalock.makeOn(storage)
          const loop = Effect.forever(
            Effect.scoped(
              Effect.flatMap(locker.acquire("job", { ttl: "1 second" }), (lock) => hold(who, lock, 50, holdings))
            )
          )
          fibers.push(yield* Effect.fork(loop))
        }
        yield* run(6000)
        const stopping = yield* Effect.fork(Fiber.interruptAll(fibers))
        yield* run(2000)
        yield* Fiber.join(stopping)
        return { holdings, turnClaims }
      })

    const check = (result: { readonly holdings: ReadonlyArray<Holding>; readonly turnClaims: number }, nth: number) => {
      assert.isAtLeast(result.turnClaims, nth, "the fault was injected")
      assert.deepStrictEqual(overlaps(result.holdings), [])
      const entered = [...result.holdings].sort((a, b) => a.enter - b.enter)
      for (let i = 1; i < entered.length; i++) {
        assert.isTrue(entered[i]!.token > entered[i - 1]!.token, "fencing tokens increase with every acquisition")
      }
      // Every lock was handed out with at least the safety margin (ttl / 5) of its lease left.
      for (const holding of result.holdings)
        assert.isAtLeast(holding.remaining, 200, `${holding.who} at ${holding.enter}`)
      // Both clients went on taking turns after the fault.
      const after = entered.filter((holding) => holding.enter > 4000)
      assert.isTrue(
        after.some((holding) => holding.who === "faulty") && after.some((holding) => holding.who === "other")
      )
    }

    it.scoped("its answer lost: the waiter finds out by reading, holds once, and the turns go on", () =>
      Effect.gen(function* () {
        const result = yield* handoffs({ _tag: "LoseAnswer" }, 5)
        check(result, 5)
      })
    )

    it.scoped("its answer late past the lease: no lock from it, no overlap, and the turns go on", () =>
      Effect.gen(function* () {
        const result = yield* handoffs({ _tag: "AnswerLate", millis: 1500 }, 5)
        check(result, 5)
      })
    )
  })
})
