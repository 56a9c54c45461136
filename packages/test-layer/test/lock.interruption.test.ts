import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { instrument } from "./support/instrument.js"

// Every request takes 3 ms of simulated time, so interrupting after k ms lands in a different step of the
// acquisition each time: before the first read, mid-read, mid-ticket, mid-acquire-write, during the wait,
// just after the grant, while renewing.
describe("interruption at any point of acquisition (memory, TestClock)", () => {
  it.effect("leaves no lease behind and no fiber running, over 60 interruption points", () =>
    Effect.gen(function* () {
      for (let at = 0; at < 60; at++) {
        const table = yield* MemoryTable.make
        const probe = instrument(table.storage("locks"), { latency: 3 })
        const holderWanted = at % 2 === 0 // half the runs wait behind another holder first
        yield* Effect.scoped(
          Effect.gen(function* () {
            const other = yield* Dynalock.makeOn(table.storage("locks"))
            if (holderWanted) {
              const held = yield* other.locker.acquire("job", { ttl: "60 millis" })
              yield* Effect.fork(Effect.zipRight(Effect.sleep("20 millis"), held.release))
            }
            const { locker } = yield* Dynalock.makeOn(probe.storage)
            const fiber = yield* Effect.fork(
              Effect.scoped(Effect.zipRight(locker.acquire("job", { ttl: "30 millis" }), Effect.never))
            )
            yield* TestClock.adjust(at)
            // An in-flight write finishes first (its outcome must be known), so let simulated time run meanwhile.
            const interruption = yield* Effect.fork(Fiber.interrupt(fiber))
            yield* TestClock.adjust("100 millis")
            yield* Fiber.join(interruption)
            const requestsAfterInterrupt = probe.total()
            // Long after: nothing of this client runs any more (no renewal, no waiting), and no lease of it remains.
            yield* TestClock.adjust("5 seconds")
            assert.strictEqual(probe.total(), requestsAfterInterrupt, `requests after interruption at ${at} ms`)
            const record = yield* table.storage("locks").get("job", true)
            const ownerLeft = Option.flatMap(record, (item) => item.lock.owner)
            assert.isTrue(Option.isNone(ownerLeft), `lease left behind after interruption at ${at} ms`)
            // The key is free for the next client at once.
            const next = yield* other.locker.tryAcquire("job")
            assert.isTrue(Option.isSome(next), `key not free after interruption at ${at} ms`)
          })
        )
      }
    })
  )

  it.effect("interrupting a waiting acquire stops the wait promptly", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const probe = instrument(table.storage("locks"))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const holder = yield* Dynalock.makeOn(table.storage("locks"))
          yield* holder.locker.acquire("job", { ttl: "10 seconds" })
          const { locker } = yield* Dynalock.makeOn(probe.storage)
          const waiter = yield* Effect.fork(Effect.scoped(locker.acquire("job")))
          yield* TestClock.adjust("3 seconds")
          // No time passes for the interruption itself: the wait is interruptible.
          yield* Fiber.interrupt(waiter)
          const after = probe.total()
          yield* TestClock.adjust("30 seconds")
          assert.strictEqual(probe.total(), after)
        })
      )
    })
  )
})
