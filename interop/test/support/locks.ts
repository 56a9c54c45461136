/**
 * What the shared-lock tests have in common: our lock records in the store's partition (`lockPartition =
 * partition`), where Go keeps its locks, Go's locks with a ttl of 2 s (renewed every ttl/3) polling every 50 ms,
 * our maxClockSkew of 250 ms; and ways to read a lock record as stored.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { Clock, Duration, Effect, Schedule } from "effect"
import type { Scope } from "effect"
import type { GoDriver } from "./goDriver.js"
import { numberOf, setup } from "./setup.js"

export const goTtl = "2 seconds"
export const skew = 250
export const shared = {
  shareLocks: true,
  lockBackoff: "50 millis",
  lock: { maxClockSkew: Duration.millis(skew) }
} as const

/** An item as stored, attribute by attribute. */
export type Item = Record<string, AttributeValue>

/** The entries of our line of waiters. */
export const lineOf = (item: Item): ReadonlyArray<string> => (item.line?.L ?? []).map((entry) => entry.S ?? "")

/** Our last versioned write is the item's last: `stamp = version`. */
export const lastWriteOurs = (item: Item): boolean => item.stamp?.N !== undefined && item.stamp.N === item.version?.N

/** When our claim of the record was sent, by our clock. */
export const claimedAt = (item: Item): number => numberOf(item.since)

export const now = (): number => Date.now()

/**
 * Go's Unlock, just after a renewal of the lock; when it was sent. Unlock deletes on the version the renewal
 * goroutine last recorded, without waiting for a renewal on its way (a race in Go dynalock): sent meanwhile, it
 * fails with ErrKeyNotFound.
 */
export const unlockAfterRenewal = (
  go: GoDriver,
  lock: string,
  key: string,
  raw: (key: string) => Effect.Effect<Item>
) =>
  Effect.gen(function* () {
    const before = numberOf((yield* raw(key)).version)
    yield* raw(key).pipe(
      Effect.filterOrFail(
        (item) => numberOf(item.version) > before,
        () => "not renewed yet"
      ),
      Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("3 seconds"))),
      Effect.orDie
    )
    // Until Go has read the renewal's answer; its next renewal is ttl/3 away.
    yield* Effect.sleep("50 millis")
    const sentAt = now()
    yield* go.unlock(lock)
    return sentAt
  })

/** The live clock, `offset` ms off: a client of ours whose clock is behind Go's (offset < 0). */
export const offsetClock = (offset: number): Clock.Clock => {
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
export const holderAgainst = (waiter: "go" | "ours", behind: number, maxClockSkew: Duration.DurationInput) =>
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
