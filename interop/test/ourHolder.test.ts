// Our holder and Go's waiters on one lock (lockPartition = partition, see support/locks.ts): Go never takes a live
// lease of ours, and our renewals and releases never touch a record Go took over, even when they arrive late.
// Waits follow Go's whole seconds, computed from what was stored.
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Schedule } from "effect"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import {
  claimedAt,
  goTtl,
  holderAgainst,
  lastWriteOurs,
  now,
  offsetClock,
  shared,
  skew,
  unlockAfterRenewal
} from "./support/locks.js"
import { engines, numberOf, serverLayer, setup } from "./support/setup.js"

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(`our holder and Go's waiters, on ${engine}`, (it) => {
    it.scoped(
      "our holder: Go's Lock fails, or polls in vain while we renew; after our release Go takes it at its next poll (the release shows Go an expiry already past); our next fencing token, after Go's Unlock deleted the record, is higher",
      () =>
        Effect.gen(function* () {
          const { go, locker, raw } = yield* setup(shared)
          const first = yield* locker.acquire("ours/job", { ttl: "1 second" })
          const claimed = yield* raw("ours/job")
          yield* go.newLock("once", "ours/job", { ttl: goTtl, poll: false })
          assert.strictEqual((yield* Effect.flip(go.lock("once"))).name, "LockAcquireFailed")
          yield* go.newLock("waiter", "ours/job", { ttl: goTtl })
          const goWaiting = yield* Effect.fork(Effect.map(go.lock("waiter"), now))

          yield* Effect.sleep("2 seconds")
          // Renewed every ttl/3 (Go's failed attempts write nothing), and Go still waits.
          const renewed = yield* raw("ours/job")
          assert.isAtLeast(numberOf(renewed.version) - numberOf(claimed.version), 4)
          assert.isTrue(lastWriteOurs(renewed))
          assert.isTrue(Option.isNone(yield* Fiber.poll(goWaiting)))

          const releasing = now()
          yield* first.release
          const released = now()
          const goTookAt = yield* Fiber.join(goWaiting)
          assert.isAtLeast(goTookAt, releasing)
          // Go polls every 50 ms; before, it waited for `expires` (the release rounded up) to be a whole second old.
          assert.isBelow(goTookAt - released, 500)
          // Go's item: Go's version, our attributes left as they were (the fencing counter among them).
          const goItem = yield* raw("ours/job")
          assert.isFalse(lastWriteOurs(goItem))
          assert.strictEqual(BigInt(numberOf(goItem.fence)), first.fencingToken)
          assert.isTrue(Option.isNone(yield* locker.tryAcquire("ours/job")))

          yield* unlockAfterRenewal(go, "waiter", "ours/job", raw)
          assert.deepStrictEqual(yield* raw("ours/job"), {})
          const next = yield* locker.acquire("ours/job", { ttl: "1 second" })
          assert.isTrue(next.fencingToken > first.fencingToken, `${next.fencingToken} after ${first.fencingToken}`)
        })
    )

    it.scoped(
      "a young record Go took and deleted: a client whose clock is behind the one that counted its tokens still hands out a higher token next (Go waits twice the skew bound after the latest claim)",
      () =>
        Effect.gen(function* () {
          const { go, locker, ours, raw } = yield* setup({ ...shared, lock: { maxClockSkew: Duration.millis(500) } })
          // Ahead of the other client of ours (and of Go) by most of the bound.
          const ahead = offsetClock(450)
          const { locker: early } = yield* Effect.withClock(ours(), ahead)
          yield* go.newLock("waiter", "young/job", { ttl: goTtl })
          const first = yield* Effect.withClock(early.acquire("young/job", { ttl: "1 second" }), ahead)
          const claimed = yield* raw("young/job")
          yield* Effect.withClock(first.release, ahead)
          const goTookAt = yield* Effect.map(go.lock("waiter"), now)
          assert.isAtLeast(goTookAt, claimedAt(claimed) - 450 + 500)
          yield* go.unlock("waiter")
          assert.deepStrictEqual(yield* raw("young/job"), {}, "Go's Unlock deleted the record, its counter with it")
          const next = yield* locker.acquire("young/job", { ttl: "1 second" })
          assert.isTrue(next.fencingToken > first.fencingToken, `${next.fencingToken} after ${first.fencingToken}`)
        })
    )

    it.scoped(
      "our lease lapses: Go takes it only after our holder knew it was lost; our late release leaves Go's lock alone; once Go stops, ours again with the next fencing token",
      () =>
        Effect.gen(function* () {
          const { go, locker, raw } = yield* setup(shared)
          const lock = yield* locker.acquire("lapsed/job", { ttl: "1 second", renew: false })
          const claimed = yield* raw("lapsed/job")
          yield* go.newLock("waiter", "lapsed/job", { ttl: goTtl })
          const goWaiting = yield* Effect.fork(Effect.map(go.lock("waiter", { via: "stopChan" }), now))

          const lost = yield* Effect.flip(lock.lost)
          const lostAt = now()
          assert.strictEqual(lost.reason, "Expired")
          assert.isBelow(lostAt, numberOf(claimed.expiresMs))
          const goTookAt = yield* Fiber.join(goWaiting)
          assert.isAtLeast(goTookAt, (numberOf(claimed.expires) + 1) * 1000)

          // Our release comes late: the last write is Go's, so it is refused and changes nothing of Go's lock.
          yield* lock.release
          const afterRelease = yield* raw("lapsed/job")
          assert.isFalse(lastWriteOurs(afterRelease))
          assert.deepStrictEqual(
            [afterRelease.owner, afterRelease.expiresMs, afterRelease.stamp],
            [claimed.owner, claimed.expiresMs, claimed.stamp]
          )
          yield* Effect.sleep("1 second")
          assert.isAtLeast(numberOf((yield* raw("lapsed/job")).version) - numberOf(afterRelease.version), 1)
          assert.deepStrictEqual(go.events, [])

          // Go stops renewing: its lease lapses, and ours takes over with the fencing counter Go's item kept.
          yield* go.cancel("waiter")
          yield* go.channelClosed("waiter", "1 second")
          const goExpires = numberOf((yield* raw("lapsed/job")).expires)
          const next = yield* locker.acquire("lapsed/job", { ttl: "1 second" })
          assert.strictEqual(next.fencingToken, lock.fencingToken + 1n)
          assert.isAtLeast(claimedAt(yield* raw("lapsed/job")), (goExpires + 1) * 1000 + skew)
          assert.strictEqual((yield* Effect.flip(go.unlock("waiter"))).name, "KeyNotFound")
          assert.isTrue(lastWriteOurs(yield* raw("lapsed/job")))
        })
    )

    it.scoped(
      "a renewal of ours held up past our lease reaches the store after Go took over: refused, and so is our release; Go's lock goes on",
      () =>
        Effect.gen(function* () {
          const { go, ours, raw, server } = yield* setup(shared)
          const proxy = yield* FaultProxy.make({ target: server.endpoint })
          const { locker: slow } = yield* ours(proxy.endpoint)
          const lock = yield* slow.acquire("delayed/job", { ttl: "1 second" })
          const claimed = yield* raw("delayed/job")
          // From now on this client's writes reach the store 4 s late: the renewal due at ttl/3 arrives after Go took over.
          yield* proxy.setPlan(FaultProxy.onOperation("UpdateItem", FaultProxy.Fault.DelayRequest({ millis: 4000 })))
          yield* go.newLock("waiter", "delayed/job", { ttl: goTtl })
          const goWaiting = yield* Effect.fork(Effect.map(go.lock("waiter"), now))

          assert.strictEqual((yield* Effect.flip(lock.lost)).reason, "Expired")
          const goTookAt = yield* Fiber.join(goWaiting)
          assert.isBelow(goTookAt, claimedAt(claimed) + 1000 / 3 + 4000)
          // Until every held-up write has reached the store.
          yield* proxy.stats.pipe(
            Effect.filterOrFail(
              (stats) =>
                stats.faults.DelayRequest >= 1 &&
                stats.forwardedByOperation.UpdateItem === stats.receivedByOperation.UpdateItem,
              () => "writes still held up"
            ),
            Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("6 seconds")))
          )
          yield* Effect.sleep("200 millis")
          yield* proxy.setPlan(FaultProxy.pass)
          yield* lock.release

          const after = yield* raw("delayed/job")
          assert.isFalse(lastWriteOurs(after))
          assert.deepStrictEqual(
            [after.owner, after.expiresMs, after.stamp],
            [claimed.owner, claimed.expiresMs, claimed.stamp]
          )
          assert.deepStrictEqual(go.events, [])
          yield* unlockAfterRenewal(go, "waiter", "delayed/job", raw)
          assert.deepStrictEqual(yield* raw("delayed/job"), {})
        })
    )

    it.scoped(
      "a waiter's clock ahead of our holder's: Go 0.9 s ahead (our default maxClockSkew is 1 s), or ours 2.8 s ahead within a maxClockSkew of 3 s, takes the lease only after the holder stopped",
      () =>
        Effect.gen(function* () {
          const [go, ours] = yield* Effect.all(
            [holderAgainst("go", 900, "1 second"), holderAgainst("ours", 2800, "3 seconds")],
            {
              concurrency: 2
            }
          )
          assert.isBelow(go.lostAt, go.tookAt)
          assert.isBelow(ours.lostAt, ours.tookAt)
        })
    )

    // FAILS today (not fixed here: it needs the storage contract to write `expires` apart from `expiresMs`). Go knows
    // nothing of maxClockSkew and takes a lease over a second after its end by Go's clock, so a Go clock ahead by
    // more than 1 s + the holder's margin meets a holder that still counts on its lease, although the clocks are
    // within the bound our own clients honour (the test above). A fix: write the `expires` seconds of lock records
    // maxClockSkew - 1 s later than the lease end, the precise `expiresMs` unchanged.
    it.scoped(
      "Go's clock 2.8 s ahead of our holder's, within a maxClockSkew of 3 s: Go must not take a lease the holder still counts on",
      () =>
        Effect.gen(function* () {
          const { lostAt, tookAt } = yield* holderAgainst("go", 2800, "3 seconds")
          assert.isBelow(lostAt, tookAt, `Go took the lock ${lostAt - tookAt} ms before our holder knew it was lost`)
        })
    )
  })
}
