// A Go holder and our waiters on one lock (lockPartition = partition, see support/locks.ts): we never take a lease
// a live Go holder has, and our waiting never breaks its renewals or its Unlock. Waits follow Go's whole seconds,
// computed from what was stored.
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Schedule } from "effect"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { startGoDriver } from "./support/goDriver.js"
import { claimedAt, goTtl, lastWriteOurs, lineOf, now, shared, skew, unlockAfterRenewal } from "./support/locks.js"
import { engines, numberOf, serverLayer, setup, text, utf8 } from "./support/setup.js"

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(`a Go holder and our waiters, on ${engine}`, (it) => {
    it.scoped(
      "after our release Go takes the lock: our next acquisition, claimed on that release alone, is refused while Go holds it",
      () =>
        Effect.gen(function* () {
          const { go, locker, raw } = yield* setup(shared)
          yield* Effect.scoped(
            Effect.flatMap(locker.acquire("released/job", { ttl: "2 seconds" }), (lock) => lock.release)
          )
          // Our release left the item expired for Go: its Lock takes it over at once, keeping our attributes.
          yield* go.newLock("go", "released/job", { ttl: goTtl, bytes: utf8("go holder") })
          yield* go.lock("go")
          const taken = yield* raw("released/job")
          assert.isFalse(lastWriteOurs(taken))

          assert.isTrue(Option.isNone(yield* locker.tryAcquire("released/job", { ttl: "2 seconds" })))
          const after = yield* raw("released/job")
          assert.deepStrictEqual([after.version, after.payload], [taken.version, taken.payload])
          assert.deepStrictEqual(go.events, [])
          yield* unlockAfterRenewal(go, "go", "released/job", raw)
        })
    )

    it.scoped(
      "a Go holder: our tryAcquire is none; our acquire waits in line through Go's renewals and gets the lock after Go's Unlock",
      () =>
        Effect.gen(function* () {
          const { go, locker, raw } = yield* setup(shared)
          yield* go.newLock("go", "held/job", { ttl: goTtl, bytes: utf8("go holder") })
          yield* go.lock("go")

          assert.isTrue(Option.isNone(yield* locker.tryAcquire("held/job", { ttl: "2 seconds" })))
          // Its claim was refused: nothing of ours is on Go's item.
          assert.deepStrictEqual(Object.keys(yield* raw("held/job")).sort(), [
            "expires",
            "id",
            "name",
            "payload",
            "version"
          ])
          const state = Option.getOrThrow(yield* locker.inspect("held/job"))
          assert.deepStrictEqual([state.held, text(state.value)], [true, "go holder"])
          assert.deepStrictEqual(
            (yield* locker.list("held/")).map((held) => held.key),
            ["held/job"]
          )

          const waiting = yield* Effect.fork(locker.acquire("held/job", { ttl: "2 seconds" }))
          const joined = yield* raw("held/job").pipe(
            Effect.filterOrFail(
              (item) => lineOf(item).length === 1,
              () => "not in line yet"
            ),
            Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("2 seconds")))
          )
          yield* Effect.sleep("2500 millis")
          const during = yield* raw("held/job")
          // Go renewed all along, and we renewed our place (at least once a second) without a versioned write.
          assert.isAtLeast(numberOf(during.version) - numberOf(joined.version), 3)
          assert.strictEqual(lineOf(during).length, 1)
          assert.notStrictEqual(lineOf(during)[0], lineOf(joined)[0])
          assert.isUndefined(during.stamp)
          assert.deepStrictEqual(go.events, [])
          assert.isTrue(Option.isNone(yield* Fiber.poll(waiting)))

          // Go's Unlock, a delete conditioned on the version it last wrote, applies: our place went with the item.
          const unlockedAt = yield* unlockAfterRenewal(go, "go", "held/job", raw)
          const lock = yield* Fiber.join(waiting)
          const ours = yield* raw("held/job")
          assert.isTrue(lastWriteOurs(ours))
          assert.isAtLeast(claimedAt(ours), unlockedAt)
          // A new record: the fencing counter starts from the clock.
          assert.strictEqual(lock.fencingToken, BigInt(claimedAt(ours)) * 1000n + 1n)

          yield* go.newLock("late", "held/job", { ttl: goTtl, poll: false })
          assert.strictEqual((yield* Effect.flip(go.lock("late"))).name, "LockAcquireFailed")
          yield* lock.release
        })
    )

    it.scoped(
      "a Go holder that stops renewing: we take over once Go would (expires < now, in whole seconds) plus maxClockSkew; another Go client at expires + 1 s",
      () =>
        Effect.gen(function* () {
          const { go, locker, partition, raw, server } = yield* setup(shared)
          const other = yield* startGoDriver(server, partition, { lockBackoff: "50 millis" })
          for (const name of ["to-us", "to-go"]) {
            yield* go.newLock(name, `stopped/${name}`, { ttl: goTtl })
            yield* go.lock(name, { via: "stopChan" })
            yield* go.cancel(name)
            yield* go.channelClosed(name, "1 second")
          }
          const toUs = numberOf((yield* raw("stopped/to-us")).expires)
          const toGo = numberOf((yield* raw("stopped/to-go")).expires)
          yield* other.newLock("next", "stopped/to-go", { ttl: goTtl })
          const [lock, goTookAt] = yield* Effect.all(
            [locker.acquire("stopped/to-us", { ttl: "2 seconds" }), Effect.map(other.lock("next"), now)],
            { concurrency: 2 }
          )

          const ours = yield* raw("stopped/to-us")
          assert.isAtLeast(claimedAt(ours), (toUs + 1) * 1000 + skew)
          assert.isBelow(claimedAt(ours), (toUs + 1) * 1000 + skew + 1500)
          assert.strictEqual(lock.fencingToken, BigInt(claimedAt(ours)) * 1000n + 1n)
          assert.isAtLeast(goTookAt, (toGo + 1) * 1000)
          assert.isBelow(goTookAt, (toGo + 1) * 1000 + 1000)

          // The stopped Go holder's Unlock is refused (Go says ErrKeyNotFound) and leaves our lease alone.
          assert.strictEqual((yield* Effect.flip(go.unlock("to-us"))).name, "KeyNotFound")
          const after = yield* raw("stopped/to-us")
          assert.deepStrictEqual([after.version, after.owner, lastWriteOurs(after)], [ours.version, ours.owner, true])
          assert.isAbove(Duration.toMillis(yield* lock.remaining), 0)
        })
    )

    it.scoped(
      "a claim of ours held up while Go's Unlock deletes the record and another Go client locks it anew (version 1 again) is refused",
      () =>
        Effect.gen(function* () {
          const { go, ours, partition, raw, server } = yield* setup(shared)
          const other = yield* startGoDriver(server, partition, { lockBackoff: "50 millis" })
          yield* go.newLock("first", "aba/job", { ttl: goTtl, renew: false })
          yield* go.lock("first")
          const first = yield* raw("aba/job")
          // Until we may take the lapsed Go lease over.
          yield* Effect.sleep(Duration.millis(Math.max(0, (numberOf(first.expires) + 1) * 1000 + skew - now() + 20)))

          // Our first write (the claim sent without reading) is refused and shows the record; the claim on it, made
          // for version 1, reaches the store a second late.
          const proxy = yield* FaultProxy.make({
            target: server.endpoint,
            plan: FaultProxy.onOperation(
              "UpdateItem",
              FaultProxy.script([FaultProxy.Fault.Pass(), FaultProxy.Fault.DelayRequest({ millis: 1000 })])
            )
          })
          const { locker: slow } = yield* ours(proxy.endpoint)
          const waiting = yield* Effect.fork(slow.acquire("aba/job", { ttl: "2 seconds" }))
          yield* proxy.stats.pipe(
            Effect.filterOrFail(
              (stats) => stats.faults.DelayRequest === 1,
              () => "claim not held up yet"
            ),
            Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("1 second")))
          )
          // Meanwhile the lapsed Go holder unlocks, and another Go client locks the key (its first renewal due in 2 s):
          // a new item, at version 1 again when the held-up claim arrives.
          yield* go.unlock("first")
          yield* other.newLock("second", "aba/job", { ttl: "6 seconds" })
          yield* other.lock("second")
          const second = yield* raw("aba/job")
          assert.strictEqual(numberOf(second.version), 1)

          yield* Effect.sleep("1500 millis")
          assert.deepStrictEqual(other.events, [], "the new Go holder lost its lock")
          assert.isTrue(Option.isNone(yield* Fiber.poll(waiting)), "our acquire took the lock of a live Go holder")
          assert.isFalse(lastWriteOurs(yield* raw("aba/job")))
          yield* unlockAfterRenewal(other, "second", "aba/job", raw)
          yield* Fiber.join(waiting)
        })
    )

    it.scoped(
      "what is refused: our semaphore on a Go lock's key (InvalidInput); Go's Lock on a semaphore's record (it has no expiry); forceRelease breaks a Go holder",
      () =>
        Effect.gen(function* () {
          const { go, locker, raw } = yield* setup(shared)
          yield* go.newLock("go", "mixed/lock", { ttl: goTtl })
          yield* go.lock("go")
          const refused = yield* Effect.flip(locker.semaphore("mixed/lock", 2).tryAcquire())
          assert.strictEqual(refused._tag, "InvalidInput")

          const permit = yield* locker.semaphore("mixed/semaphore", 2).acquire(1, { ttl: "1 second" })
          yield* go.newLock("on-semaphore", "mixed/semaphore", { ttl: goTtl, poll: false })
          assert.strictEqual((yield* Effect.flip(go.lock("on-semaphore"))).name, "LockAcquireFailed")
          yield* permit.release
          assert.isUndefined((yield* raw("mixed/semaphore")).expires)
          assert.strictEqual((yield* Effect.flip(go.lock("on-semaphore"))).name, "LockAcquireFailed")

          // The operator's forceRelease counts a version: Go's next renewal fails, and so does its Unlock.
          const brokenAt = now()
          assert.isTrue(yield* locker.forceRelease("mixed/lock"))
          const closed = yield* go.channelClosed("go", "2 seconds")
          assert.isAtLeast(closed.atMs, brokenAt)
          assert.strictEqual((yield* Effect.flip(go.unlock("go"))).name, "KeyNotFound")
        })
    )
  })
}
