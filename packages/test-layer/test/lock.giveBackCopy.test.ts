// One acquisition keeps its owner token through all its claims. The give-back of a lease whose answer came too
// late was conditioned on that token alone, so a copy of it delivered late also ended the lease the same waiter
// claimed next, while the waiter held it: another client took the lock at once (found by review, 2026-12-06).
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { lockStep } from "./support/instrument.js"

const run = (millis: number, step = 10) =>
  Effect.forEach(Array.from({ length: Math.ceil(millis / step) }), () => TestClock.adjust(step), { discard: true })

describe("a late copy of a give-back (memory, TestClock)", () => {
  it.scoped(
    "misses the lease the same waiter claimed after it: nobody else gets the lock while the waiter holds it",
    () =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        const locks = table.storage("locks")
        // The slow client: its first claim is answered after 900 ms (ttl 1 s, margin 200 ms: too late, given back);
        // its first release (that give-back) is served, and a copy of it is kept for the network to deliver later.
        let claims = 0
        let copy: Storage.UpdateRequest | undefined
        const slow: Storage.Storage = {
          ...locks,
          update: (request) =>
            Effect.suspend(() => {
              if (lockStep("update", request) === "claim" && claims++ === 0)
                return Effect.flatMap(locks.update(request), (answer) => Effect.as(Effect.sleep("900 millis"), answer))
              if (lockStep("update", request) === "release" && copy === undefined) copy = request
              return locks.update(request)
            })
        }
        const w = yield* Dynalock.makeOn(slow)
        const acquiring = yield* Effect.fork(w.locker.acquire("job", { ttl: "1 second" }))
        yield* run(1200)
        const lock = yield* Fiber.join(acquiring)
        assert.isDefined(copy, "the late lease was given back")
        const lost = yield* Effect.fork(Effect.either(lock.lost))

        // The give-back's copy arrives now.
        const delivered = yield* locks.update(copy!)
        assert.strictEqual(delivered._tag, "Rejected", "the copy is pinned to the lease it gave back")

        const other = yield* Dynalock.makeOn(locks)
        const got = yield* other.locker.tryAcquire("job", { ttl: "1 second" })
        assert.isTrue(Option.isNone(got), "the waiter's lease is whole")
        assert.isTrue(Option.isNone(yield* Fiber.poll(lost)), "and the waiter has not lost it")
      })
  )
})
