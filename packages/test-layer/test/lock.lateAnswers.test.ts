// Safety under late answers: a lease is handed out only while it still has its safety margin, by the local clock
// when the answer is in hand, counted from when the winning write was sent.
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Option, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { Lock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { isClaim, misbehaving, once } from "./support/faults.js"

interface Holding {
  readonly who: string
  readonly token: bigint
  readonly enter: number
  exit: number
}

/** Holds the lock for `millis` (or until it is lost) and records when, by the shared test clock. */
const hold = (who: string, lock: Lock, millis: number, holdings: Array<Holding>) =>
  Effect.gen(function* () {
    const holding: Holding = {
      who,
      token: lock.fencingToken,
      enter: yield* TestClock.currentTimeMillis,
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
})
