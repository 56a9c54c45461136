// The driver's lock commands, on Go dynalock's own locks (Go against Go; the lock item seen through our store).
// Exclusion between Go's lock and our Locker: goHolder.test.ts, ourHolder.test.ts. Go compares expiry in whole
// seconds, so its locks here have a ttl of 2 s: renewed every ttl/3, each renewal still finds the previous expiry
// in a later second.
import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Option, Schedule } from "effect"
import { startGoDriver } from "./support/goDriver.js"
import { unlockAfterRenewal } from "./support/locks.js"
import { engines, serverLayer, setup, text, utf8 } from "./support/setup.js"

const ttl = "2 seconds"

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(
    `Go dynalock's locks through the driver, on ${engine}`,
    (it) => {
      it.scoped(
        "a held lock is an item; another Go client fails without polling, gives up at its timeout, gets it after Unlock",
        () =>
          Effect.gen(function* () {
            const { go, partition, raw, server, store } = yield* setup()
            const other = yield* startGoDriver(server, partition, { lockBackoff: "50 millis" })
            yield* go.newLock("a", "locks/job", { ttl, bytes: utf8("holder a") })
            const before = Date.now()
            yield* go.lock("a")

            const item = yield* store.get("locks/job")
            assert.deepStrictEqual([item.version, text(item.value)], [1, "holder a"])
            const expires = DateTime.toEpochMillis(Option.getOrThrow(item.expires))
            assert.isAbove(expires, before)
            assert.isAtMost(expires, Date.now() + 2000)

            yield* other.newLock("once", "locks/job", { ttl, poll: false })
            assert.strictEqual((yield* Effect.flip(other.lock("once"))).name, "LockAcquireFailed")
            yield* other.newLock("b", "locks/job", { ttl })
            const waited = Date.now()
            assert.strictEqual(
              (yield* Effect.flip(other.lock("b", { timeout: "300 millis" }))).name,
              "LockAcquireCancelled"
            )
            assert.isAtLeast(Date.now() - waited, 250)

            // Go's Unlock deletes the item; the waiter then gets a new one.
            yield* unlockAfterRenewal(go, "a", "locks/job", raw)
            assert.strictEqual((yield* Effect.flip(store.get("locks/job")))._tag, "KeyNotFound")
            yield* other.lock("b", { timeout: "5 seconds", via: "stopChan" })
            const taken = yield* store.get("locks/job")
            assert.deepStrictEqual([taken.version, taken.value.length], [1, 0])
            yield* other.unlock("b")
            assert.isFalse(yield* store.exists("locks/job"))
          })
      )

      it.scoped(
        "renewal keeps the lock past its ttl; a write that changes the version breaks it and the channel closes",
        () =>
          Effect.gen(function* () {
            const { go, store } = yield* setup()
            yield* go.newLock("a", "locks/renewed", { ttl })
            yield* go.lock("a")
            // Renewals every ttl/3: poll until one has counted a version.
            const renewed = yield* store.get("locks/renewed").pipe(
              Effect.filterOrFail(
                (pair) => pair.version >= 2,
                () => "not renewed yet"
              ),
              Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("3 seconds")))
            )
            assert.isAtLeast(renewed.version, 2)
            assert.deepStrictEqual(go.events, [])

            const writtenAt = Date.now()
            const written = yield* store.put("locks/renewed", "not yours")
            // The next renewal (within ttl/3) finds another version and gives the lock up.
            const closed = yield* go.channelClosed("a", "3 seconds")
            assert.isAtLeast(closed.atMs, writtenAt)
            // Go's Unlock is an AtomicDelete on the version it last wrote: refused, and our item stays.
            assert.strictEqual((yield* Effect.flip(go.unlock("a"))).name, "KeyNotFound")
            const kept = yield* store.get("locks/renewed")
            assert.deepStrictEqual([kept.version, text(kept.value)], [written.version, "not yours"])
          })
      )

      it.scoped("stopping the Lock call stops the renewals: cancel, or LockWithContext's timeout once held", () =>
        Effect.gen(function* () {
          const { go, store } = yield* setup()
          yield* go.newLock("cancelled", "locks/cancelled", { ttl })
          yield* go.lock("cancelled", { via: "stopChan" })
          const cancelledAt = Date.now()
          yield* go.cancel("cancelled")
          const closed = yield* go.channelClosed("cancelled", "1 second")
          assert.isBelow(closed.atMs - cancelledAt, 500)
          // The item stays until it expires: Go only deletes it on Unlock.
          assert.strictEqual((yield* store.get("locks/cancelled")).version, 1)

          // A timeout meant for the wait ends the holding as well.
          yield* go.newLock("bounded", "locks/bounded", { ttl })
          const lockedAt = Date.now()
          yield* go.lock("bounded", { timeout: "300 millis" })
          const ended = yield* go.channelClosed("bounded", "2 seconds")
          assert.isAtLeast(ended.atMs - lockedAt, 250)

          // Without renewal there is no background holder, and no channel that closes.
          yield* go.newLock("plain", "locks/plain", { ttl, renew: false })
          yield* go.lock("plain")
          assert.strictEqual((yield* store.get("locks/plain")).version, 1)
          yield* go.unlock("plain")
          assert.isFalse(yield* store.exists("locks/plain"))
          assert.deepStrictEqual(
            go.events.map((event) => event.lock),
            ["cancelled", "bounded"]
          )
        })
      )
    }
  )
}
