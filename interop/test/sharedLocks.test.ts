// Locks shared with Go dynalock: our lock records in the store's partition (`lockPartition = partition`), where Go
// keeps its locks, so that both lock the same items. Go's locks here have a ttl of 2 s (renewed every ttl/3) and
// poll every 50 ms; our maxClockSkew is 250 ms. Waits follow Go's whole seconds, computed from what was stored.
import { assert, layer } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Option, Schedule } from "effect"
import type { Scope } from "effect"
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { startGoDriver } from "./support/goDriver.js"
import { engines, numberOf, serverLayer, setup, text, utf8 } from "./support/setup.js"

const goTtl = "2 seconds"
const skew = 250
const shared = { shareLocks: true, lockBackoff: "50 millis", lock: { maxClockSkew: Duration.millis(skew) } } as const

type Item = Record<string, AttributeValue>

const lineOf = (item: Item): ReadonlyArray<string> => (item.line?.L ?? []).map((entry) => entry.S ?? "")
/** Our last versioned write is the item's last: `stamp = version`. */
const lastWriteOurs = (item: Item): boolean => item.stamp?.N !== undefined && item.stamp.N === item.version?.N
/** When our claim of the record was sent, by our clock. */
const claimedAt = (item: Item): number => numberOf(item.since)
const now = () => Date.now()

/** The live clock, `offset` ms off: a client of ours whose clock is behind Go's (offset < 0). */
const offsetClock = (offset: number): Clock.Clock => {
  const live = Clock.make()
  const millis = () => live.unsafeCurrentTimeMillis() + offset
  const nanos = () => live.unsafeCurrentTimeNanos() + BigInt(offset) * 1_000_000n
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: millis,
    currentTimeMillis: Effect.sync(millis),
    unsafeCurrentTimeNanos: nanos,
    currentTimeNanos: Effect.sync(nanos),
    sleep: (duration) => live.sleep(duration)
  }
}

/**
 * Our holder (ttl 2 s, not renewed; its clock `behind` ms behind the waiter's) against a polling waiter, Go's or
 * another client of ours on the live clock: when the holder learnt it had lost the lease, and when the waiter got
 * it. Go takes a lease over once its `expires` is a whole second old by Go's clock, ours once its end plus
 * maxClockSkew has passed; the holder stops by its own clock, ttl/5 = 400 ms before the lease ends.
 */
const holderAgainst = (waiter: "go" | "ours", behind: number, maxClockSkew: Duration.DurationInput) =>
  Effect.gen(function* () {
    const { go, locker: other, ours } = yield* setup({ ...shared, lock: { maxClockSkew } })
    const skewed = offsetClock(-behind)
    const { locker } = yield* Effect.withClock(ours(), skewed)
    const lock = yield* Effect.withClock(locker.acquire("skewed/job", { ttl: "2 seconds", renew: false }), skewed)
    yield* go.newLock("waiter", "skewed/job", { ttl: goTtl })
    const waiting: Effect.Effect<unknown, unknown, Scope.Scope> =
      waiter === "go" ? go.lock("waiter") : other.acquire("skewed/job", { ttl: "2 seconds" })
    const [lostAt, tookAt] = yield* Effect.all([Effect.map(Effect.flip(lock.lost), now), Effect.map(waiting, now)], {
      concurrency: 2
    })
    return { lostAt, tookAt }
  })

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(`locks shared between Go and dynalock, on ${engine}`, (it) => {
    it.scoped("a Go holder: our tryAcquire is none; our acquire waits in line through Go's renewals and gets the lock after Go's Unlock", () =>
      Effect.gen(function* () {
        const { go, locker, raw } = yield* setup(shared)
        yield* go.newLock("go", "held/job", { ttl: goTtl, bytes: utf8("go holder") })
        yield* go.lock("go")

        assert.isTrue(Option.isNone(yield* locker.tryAcquire("held/job", { ttl: "2 seconds" })))
        // Its claim was refused: nothing of ours is on Go's item.
        assert.deepStrictEqual(Object.keys(yield* raw("held/job")).sort(), ["expires", "id", "name", "payload", "version"])
        const state = Option.getOrThrow(yield* locker.inspect("held/job"))
        assert.deepStrictEqual([state.held, text(state.value)], [true, "go holder"])
        assert.deepStrictEqual((yield* locker.list("held/")).map((held) => held.key), ["held/job"])

        const waiting = yield* Effect.fork(locker.acquire("held/job", { ttl: "2 seconds" }))
        const joined = yield* raw("held/job").pipe(
          Effect.filterOrFail((item) => lineOf(item).length === 1, () => "not in line yet"),
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
        const unlockedAt = now()
        yield* go.unlock("go")
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

    it.scoped("a Go holder that stops renewing: we take over once Go would (expires < now, in whole seconds) plus maxClockSkew; another Go client at expires + 1 s", () =>
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

    it.scoped("our holder: Go's Lock fails, or polls in vain while we renew; after our release Go takes it once the release is a whole second old; our next fencing token, after Go's Unlock deleted the record, is higher", () =>
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

        yield* first.release
        const released = numberOf((yield* raw("ours/job")).expires)
        const goTookAt = yield* Fiber.join(goWaiting)
        assert.isAtLeast(goTookAt, (released + 1) * 1000)
        assert.isBelow(goTookAt, (released + 1) * 1000 + 1000)
        // Go's item: Go's version, our attributes left as they were (the fencing counter among them).
        const goItem = yield* raw("ours/job")
        assert.isFalse(lastWriteOurs(goItem))
        assert.strictEqual(BigInt(numberOf(goItem.fence)), first.fencingToken)
        assert.isTrue(Option.isNone(yield* locker.tryAcquire("ours/job")))

        yield* go.unlock("waiter")
        assert.deepStrictEqual(yield* raw("ours/job"), {})
        const next = yield* locker.acquire("ours/job", { ttl: "1 second" })
        assert.isTrue(next.fencingToken > first.fencingToken, `${next.fencingToken} after ${first.fencingToken}`)
      })
    )

    it.scoped("our lease lapses: Go takes it only after our holder knew it was lost; our late release leaves Go's lock alone; once Go stops, ours again with the next fencing token", () =>
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
        yield* Effect.sleep("1500 millis")
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

    it.scoped("a renewal of ours held up past our lease reaches the store after Go took over: refused, and so is our release; Go's lock goes on", () =>
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
            (stats) => stats.faults.DelayRequest >= 1 && stats.forwardedByOperation.UpdateItem === stats.receivedByOperation.UpdateItem,
            () => "writes still held up"
          ),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("6 seconds")))
        )
        yield* Effect.sleep("200 millis")
        yield* proxy.setPlan(FaultProxy.pass)
        yield* lock.release

        const after = yield* raw("delayed/job")
        assert.isFalse(lastWriteOurs(after))
        assert.deepStrictEqual([after.owner, after.expiresMs, after.stamp], [claimed.owner, claimed.expiresMs, claimed.stamp])
        assert.deepStrictEqual(go.events, [])
        yield* go.unlock("waiter")
        assert.deepStrictEqual(yield* raw("delayed/job"), {})
      })
    )

    it.scoped("a waiter's clock ahead of our holder's: Go 0.9 s ahead (our default maxClockSkew is 1 s), or ours 2.8 s ahead within a maxClockSkew of 3 s, takes the lease only after the holder stopped", () =>
      Effect.gen(function* () {
        const [go, ours] = yield* Effect.all([holderAgainst("go", 900, "1 second"), holderAgainst("ours", 2800, "3 seconds")], {
          concurrency: 2
        })
        assert.isBelow(go.lostAt, go.tookAt)
        assert.isBelow(ours.lostAt, ours.tookAt)
      })
    )

    it.scoped("a claim of ours held up while Go's Unlock deletes the record and another Go client locks it anew (version 1 again) is refused", () =>
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
          plan: FaultProxy.onOperation("UpdateItem", FaultProxy.script([FaultProxy.Fault.Pass(), FaultProxy.Fault.DelayRequest({ millis: 1000 })]))
        })
        const { locker: slow } = yield* ours(proxy.endpoint)
        const waiting = yield* Effect.fork(slow.acquire("aba/job", { ttl: "2 seconds" }))
        yield* proxy.stats.pipe(
          Effect.filterOrFail((stats) => stats.faults.DelayRequest === 1, () => "claim not held up yet"),
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
        yield* other.unlock("second")
        yield* Fiber.join(waiting)
      })
    )

    it.scoped("what is refused: our semaphore on a Go lock's key (InvalidInput); Go's Lock on a semaphore's record (it has no expiry); forceRelease breaks a Go holder", () =>
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
