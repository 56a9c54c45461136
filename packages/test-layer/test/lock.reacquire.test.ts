/**
 * A client acquiring a key again after its own release claims with the shortest condition: the blind claim's case
 * of a free, released lease with nobody in line. These tests hold it to applying only where the blind claim would.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { instrument, lockStep } from "./support/instrument.js"
import type { LockStep } from "./support/instrument.js"

/** A client whose requests are logged as lock steps with their conditions. */
const loggedClient = (table: MemoryTable.MemoryTable) =>
  Effect.gen(function* () {
    const log: Array<{ readonly step: LockStep; readonly condition: Storage.Condition | undefined }> = []
    const probe = instrument(table.storage("locks"), {
      fate: (operation, request) => {
        const condition = operation === "update" ? (request as Storage.UpdateRequest).condition : undefined
        log.push({ step: lockStep(operation, request), condition })
        return "pass"
      }
    })
    const { locker } = yield* Dynalock.makeOn(probe.storage)
    return { locker, log }
  })

const hasAlternatives = (condition: Storage.Condition): boolean => {
  switch (condition._tag) {
    case "Or":
      return true
    case "And":
      return condition.all.some(hasAlternatives)
    case "Not":
      return hasAlternatives(condition.condition)
    default:
      return false
  }
}

// Under TestClock time starts at 0, where fencing counters seeded from the clock would start low.
const setUp = Effect.gen(function* () {
  yield* TestClock.setTime(1_800_000_000_000)
  return yield* MemoryTable.make
})

describe("re-acquiring a key this client released", () => {
  it.scoped("is one claim with no alternatives in its condition, and its fencing token goes up", () =>
    Effect.gen(function* () {
      const table = yield* setUp
      const { locker, log } = yield* loggedClient(table)
      const first = yield* locker.acquire("job")
      assert.isTrue(hasAlternatives(log[0]!.condition!), "a first acquisition's blind claim has alternatives")
      yield* first.release
      log.length = 0
      const second = yield* locker.acquire("job")
      assert.deepStrictEqual(
        log.map((entry) => entry.step),
        ["claim"]
      )
      assert.isFalse(hasAlternatives(log[0]!.condition!), JSON.stringify(log[0]!.condition))
      assert.isTrue(second.fencingToken > first.fencingToken)
    })
  )

  it.scoped("taken by another client meanwhile: refused, then it waits its turn", () =>
    Effect.gen(function* () {
      const table = yield* setUp
      const { locker, log } = yield* loggedClient(table)
      const other = (yield* Dynalock.makeOn(table.storage("locks"))).locker
      yield* (yield* locker.acquire("job")).release
      const held = yield* other.acquire("job", { ttl: "10 seconds" })
      log.length = 0
      const refused = yield* Effect.flip(locker.acquire("job", { wait: false }))
      assert.strictEqual(refused._tag === "AcquireCancelled" && refused.reason, "Held")
      assert.deepStrictEqual(
        log.map((entry) => entry.step),
        ["claim"]
      )
      const waiting = yield* Effect.fork(locker.acquire("job"))
      yield* TestClock.adjust("1 second")
      yield* held.release
      yield* TestClock.adjust("1 second")
      const lock = yield* Fiber.join(waiting)
      assert.isTrue(lock.fencingToken > held.fencingToken)
    })
  )

  it.scoped("someone joined the line after a later holder's release: the claim does not overtake them", () =>
    Effect.gen(function* () {
      const table = yield* setUp
      const { locker } = yield* loggedClient(table)
      const holder = (yield* Dynalock.makeOn(table.storage("locks"))).locker
      const queued = (yield* Dynalock.makeOn(table.storage("locks"))).locker
      yield* (yield* locker.acquire("job")).release
      const held = yield* holder.acquire("job", { ttl: "10 seconds" })
      // The waiter joins the line, then sleeps by its schedule: the release below leaves the lease free with it in line.
      const waiting = yield* Effect.fork(queued.acquire("job"))
      yield* TestClock.adjust("10 millis")
      assert.strictEqual(Option.getOrThrow(yield* table.storage("locks").get("job", true)).lock.line.length, 1)
      yield* held.release
      const item = Option.getOrThrow(yield* table.storage("locks").get("job", true))
      assert.isTrue(Option.isNone(item.lock.owner) && item.lock.line.length === 1, "free, with the waiter in line")
      const refused = yield* Effect.flip(locker.acquire("job", { wait: false }))
      assert.strictEqual(refused._tag === "AcquireCancelled" && refused.reason, "Held")
      yield* TestClock.adjust("2 seconds")
      const lock = yield* Fiber.join(waiting)
      assert.isTrue(lock.fencingToken > held.fencingToken)
    })
  )

  it.scoped("the record gone since (DynamoDB's TTL, Go dynalock's delete): refused, and the next claim makes it", () =>
    Effect.gen(function* () {
      const table = yield* setUp
      const { locker, log } = yield* loggedClient(table)
      const first = yield* locker.acquire("job")
      yield* first.release
      yield* table.storage("locks").delete({ key: "job", condition: { _tag: "Always" } })
      yield* TestClock.adjust("1 second")
      log.length = 0
      const second = yield* locker.acquire("job")
      assert.deepStrictEqual(
        log.map((entry) => entry.step),
        ["claim", "claim"]
      )
      assert.isTrue(second.fencingToken > first.fencingToken)
    })
  )

  it.scoped("Go dynalock took the released lock: refused, not taken over", () =>
    Effect.gen(function* () {
      const table = yield* setUp
      const { locker } = yield* loggedClient(table)
      yield* (yield* locker.acquire("job")).release
      // Go's lock: version up, a lease in whole seconds; no owner attribute, the line as it was (empty).
      yield* table.writeForeign("locks", "job", { expiresAt: 1_800_000_060_000 })
      const refused = yield* Effect.flip(locker.acquire("job", { wait: false }))
      assert.strictEqual(refused._tag === "AcquireCancelled" && refused.reason, "Held")
    })
  )
})
