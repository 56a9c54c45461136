/**
 * `timeout` bounds the wait, wherever it is spent: an acquisition's first step (a claim, which cannot be cut short)
 * runs before the timer starts, so whatever that step leads to must still be within it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Schedule, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { instrument, lockStep } from "./support/instrument.js"

describe("acquire with a timeout (memory, TestClock)", () => {
  it.scoped("a first claim that fails: the rest before retrying counts against the timeout", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      let claims = 0
      const probe = instrument(table.storage("locks"), {
        fate: (operation, request) => (lockStep(operation, request) === "claim" && claims++ === 0 ? "fail" : "pass")
      })
      const { locker } = yield* Dynalock.makeOn(probe.storage)
      const attempt = yield* Effect.fork(
        Effect.either(locker.acquire("job", { timeout: "1 second", retry: Schedule.spaced("10 seconds") }))
      )
      yield* TestClock.adjust("1 second")
      const outcome = yield* Fiber.join(attempt)
      assert.strictEqual(
        outcome._tag === "Left" && outcome.left._tag === "AcquireCancelled" && outcome.left.reason,
        "Timeout"
      )
      assert.strictEqual(claims, 1)
    })
  )

  it.scoped("a first claim answered after the timeout, with the lease's margin left, grants the lock", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      // The claim takes 300 ms: it is answered 200 ms after the timeout.
      const base = table.storage("locks")
      const slowClaims: Storage.Storage = {
        ...base,
        update: (request) =>
          lockStep("update", request) === "claim"
            ? Effect.zipRight(Effect.sleep("300 millis"), base.update(request))
            : base.update(request)
      }
      const { locker } = yield* Dynalock.makeOn(slowClaims)
      const attempt = yield* Effect.fork(Effect.either(locker.acquire("job", { timeout: "100 millis" })))
      for (let step = 0; step < 4; step++) yield* TestClock.adjust("100 millis")
      const outcome = yield* Fiber.join(attempt)
      assert.strictEqual(outcome._tag, "Right")
      const item = Option.getOrThrow(yield* table.storage("locks").get("job", true))
      assert.isTrue(Option.isSome(item.lock.owner), "held, not given back")
    })
  )

  it.scoped("a first claim refused while another client holds the lock: the wait that follows is cut short", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const holder = (yield* Dynalock.makeOn(table.storage("locks"))).locker
      const { locker } = yield* Dynalock.makeOn(table.storage("locks"))
      yield* holder.acquire("job", { ttl: "30 seconds" })
      const attempt = yield* Effect.fork(Effect.either(locker.acquire("job", { timeout: Duration.millis(700) })))
      yield* TestClock.adjust("699 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(attempt)))
      yield* TestClock.adjust("1 millis")
      const outcome = yield* Fiber.join(attempt)
      assert.strictEqual(
        outcome._tag === "Left" && outcome.left._tag === "AcquireCancelled" && outcome.left.reason,
        "Timeout"
      )
    })
  )
})
