import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Option, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { instrument, lockStep } from "./support/instrument.js"
import type { Instrumented, LockStep } from "./support/instrument.js"

/** Logs each request's lock step and the (simulated) time it was sent. */
const logged = (storage: Storage.Storage, log: Array<{ readonly step: LockStep; readonly at: number }>) => ({
  ...storage,
  get: (...args: Parameters<Storage.Storage["get"]>) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => {
      log.push({ step: "read", at })
      return storage.get(...args)
    }),
  update: (request: Storage.UpdateRequest) =>
    Effect.flatMap(Clock.currentTimeMillis, (at) => {
      log.push({ step: lockStep("update", request), at })
      return storage.update(request)
    })
})

/**
 * Two clients on one table (1 ms for every request) taking `hot` in turns for `millis` of simulated time, each
 * running `section` under the lock; each client's requests logged with the time they were sent.
 */
const twoClientsTakingTurns = (section: (who: number) => Effect.Effect<void>, millis: number) =>
  Effect.gen(function* () {
    const table = yield* MemoryTable.make
    const shared = instrument(table.storage("locks"), { latency: 1 }).storage
    const logs: Array<Array<{ readonly step: LockStep; readonly at: number }>> = [[], []]
    const fibers = []
    for (const who of [0, 1]) {
      const worker = Effect.scoped(
        Effect.gen(function* () {
          const { locker } = yield* Dynalock.makeOn(logged(shared, logs[who]!))
          while (true) yield* locker.withLock("hot", { ttl: "2 seconds" })(section(who))
        })
      )
      fibers.push(yield* Effect.fork(worker))
    }
    for (let t = 0; t < millis / 10; t++) yield* TestClock.adjust("10 millis")
    // Releases in flight need simulated time to finish, so let the clock run while interrupting.
    const stopping = yield* Effect.fork(Fiber.interruptAll(fibers))
    yield* TestClock.adjust("1 second")
    yield* Fiber.join(stopping)
    return logs
  })

/** `storage` with its first claim taking `firstClaimMillis` and every other request 1 ms. */
const slowFirstClaim = (storage: Storage.Storage, firstClaimMillis: number): Storage.Storage => {
  let claims = 0
  return {
    ...storage,
    update: (request) =>
      Effect.zipRight(
        Effect.sleep(lockStep("update", request) === "claim" && claims++ === 0 ? firstClaimMillis : 1),
        storage.update(request)
      ),
    get: (key, consistent) => Effect.zipRight(Effect.sleep("1 millis"), storage.get(key, consistent))
  }
}

describe("fairness and request economy (memory, TestClock)", () => {
  it.effect(
    "8 clients re-acquiring in a tight loop with 50 ms holds: nobody starves, nobody above 20%",
    () =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        const counts = new Array<number>(8).fill(0)
        const probes: Array<Instrumented> = []
        const fibers = []
        for (let i = 0; i < 8; i++) {
          const probe = instrument(table.storage("locks"), { latency: 1 })
          probes.push(probe)
          const worker = Effect.scoped(
            Effect.gen(function* () {
              const { locker } = yield* Dynalock.makeOn(probe.storage)
              while (true) {
                yield* locker.withLock("hot", { ttl: "2 seconds" })(Effect.sleep("50 millis"))
                counts[i]!++
              }
            })
          )
          fibers.push(yield* Effect.fork(worker))
        }
        // 10 simulated seconds: TestClock costs real time per sleep, and fair handoffs make many (the 8-process
        // benchmark measures the same over 25 real seconds).
        for (let t = 0; t < 100; t++) yield* TestClock.adjust("100 millis")
        // Releases in flight need simulated time to finish, so let the clock run while interrupting.
        const stopping = yield* Effect.fork(Fiber.interruptAll(fibers))
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(stopping)
        const total = counts.reduce((a, b) => a + b, 0)
        const requests = probes.reduce((sum, probe) => sum + probe.total(), 0)
        console.log(
          `fairness: acquisitions per client ${counts.join(", ")}; ${(requests / total).toFixed(1)} requests per acquisition`
        )
        assert.isAbove(total, 80)
        for (const count of counts) {
          assert.isAbove(count, 0, "no client starves")
          assert.isAtMost(count / total, 0.2, "no client above 20% of acquisitions")
        }
      }),
    60_000
  )

  it.effect("8 clients starting at once, the first claim slow: after the first round every handoff is prompt", () =>
    Effect.gen(function* () {
      // All join the line during the key's first holding, when the record has no typical hold yet, and look by
      // their schedules; the first claim waited behind the others' first requests at the store (100 ms here, 140 ms
      // measured with 8 processes). Each waiter must time its looks by the record as soon as it has seen a release.
      // Two ways they looked far too late: a typical hold counted with that slow claim (150 ms for 50 ms holds),
      // and a look between a release and the next holder's claim (lease free, someone ahead), which got no timing
      // from the record and slept a schedule step grown while waiting (4 handoffs of 165 ms in a row, measured).
      const table = yield* MemoryTable.make
      const locks = table.storage("locks")
      const sections: Array<{ readonly enter: number; readonly exit: number }> = []
      const fibers = []
      for (let i = 0; i < 8; i++) {
        const worker = Effect.scoped(
          Effect.gen(function* () {
            // Client i's first claim takes 100 + i ms, the winner's among them.
            const { locker } = yield* Dynalock.makeOn(slowFirstClaim(locks, 100 + i))
            while (true) {
              yield* locker.withLock("hot", { ttl: "2 seconds" })(
                Effect.gen(function* () {
                  const enter = yield* Clock.currentTimeMillis
                  yield* Effect.sleep("50 millis")
                  sections.push({ enter, exit: yield* Clock.currentTimeMillis })
                })
              )
            }
          })
        )
        fibers.push(yield* Effect.fork(worker))
      }
      for (let t = 0; t < 200; t++) yield* TestClock.adjust("10 millis")
      const stopping = yield* Effect.fork(Fiber.interruptAll(fibers))
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(stopping)

      const gaps = sections.slice(1).map((section, i) => section.enter - sections[i]!.exit)
      console.log(`cold start, handoff gaps: ${gaps.join(" ")} ms`)
      assert.isAbove(gaps.length, 30)
      // The first round (7 handoffs) may include waiters that looked during the first holding, with no hold told.
      for (const [i, gap] of gaps.entries()) if (i >= 7) assert.isAtMost(gap, 3, `handoff ${i + 1} took ${gap} ms`)
      assert.isAtMost(
        gaps.slice(0, 7).reduce((sum, gap) => sum + gap, 0),
        150,
        "the first round's handoffs together"
      )
    })
  )

  it.effect("a key's first holding tells the hold without its claim's round trip, often slow for a newcomer", () =>
    Effect.gen(function* () {
      // The first claims of clients starting together wait behind each other at the store (140 ms measured with 8
      // processes, against 3-5 ms after). Counted in, the first typical hold told waiters to look 3-4 times too
      // late, each of them, and the line stalled for the whole first round.
      const table = yield* MemoryTable.make
      const locks = table.storage("locks")
      const holdOnce = Effect.scoped(
        Effect.gen(function* () {
          const { locker } = yield* Dynalock.makeOn(slowFirstClaim(locks, 100))
          yield* locker.withLock("k")(Effect.sleep("50 millis"))
          yield* locker.withLock("k")(Effect.sleep("50 millis"))
        })
      )
      const done = yield* Effect.fork(holdOnce)
      let firstHold = 0
      for (let t = 0; t < 300; t++) {
        yield* TestClock.adjust("1 millis")
        const record = yield* locks.get("k", true)
        // The record after the first release, before the second holding's release updates the estimate.
        if (firstHold === 0 && Option.isSome(record) && record.value.lock.hold > 0) firstHold = record.value.lock.hold
      }
      yield* Fiber.join(done)
      assert.isAtLeast(firstHold, 50)
      assert.isAtMost(firstHold, 52, "the first claim's 100 ms round trip is not part of the hold")
      // Later holdings count their claim's round trip (1 ms here): it is part of every turn a waiter waits.
      const after = Option.getOrThrow(yield* locks.get("k", true)).lock.hold
      assert.isAtLeast(after, firstHold)
      assert.isAtMost(after, 53)
    })
  )

  it.effect("local waiters of one client on one key cost the store no more than a single waiter", () =>
    Effect.gen(function* () {
      const waitFor = (waiters: number) =>
        Effect.gen(function* () {
          const table = yield* MemoryTable.make
          const probe = instrument(table.storage("locks"))
          return yield* Effect.scoped(
            Effect.gen(function* () {
              const holder = yield* Dynalock.makeOn(table.storage("locks"))
              const held = yield* holder.locker.acquire("job", { ttl: "30 seconds" })
              const { locker } = yield* Dynalock.makeOn(probe.storage)
              const fibers = []
              for (let i = 0; i < waiters; i++) {
                fibers.push(yield* Effect.fork(locker.withLock("job")(Effect.sleep("10 millis"))))
              }
              for (let t = 0; t < 100; t++) yield* TestClock.adjust("100 millis") // 10 s of waiting
              const whileHeld = probe.total()
              yield* held.release
              for (let t = 0; t < 100; t++) yield* TestClock.adjust("100 millis")
              yield* Fiber.joinAll(fibers)
              return { whileHeld, all: probe.total() }
            })
          )
        })
      const one = yield* waitFor(1)
      const ten = yield* waitFor(10)
      console.log(
        `local coordination: 1 waiter ${one.whileHeld} requests, 10 waiters ${ten.whileHeld} requests while held`
      )
      assert.isAtMost(ten.whileHeld, one.whileHeld + 2)
      // All ten got the lock in turn after the release, each handoff within this client needing few requests.
      assert.isAtMost(ten.all - ten.whileHeld, 10 * 4)
    })
  )

  it.effect("a handoff between two clients: the waiter claims when the release is expected, with no read between", () =>
    Effect.gen(function* () {
      // 1 ms for every request: the release reaches the table 1 ms after it is sent, and so does the claim.
      const sections: Array<{ readonly who: number; readonly enter: number; readonly exit: number }> = []
      const logs = yield* twoClientsTakingTurns(
        (who) =>
          Effect.gen(function* () {
            const enter = yield* Clock.currentTimeMillis
            yield* Effect.sleep("50 millis")
            sections.push({ who, enter, exit: yield* Clock.currentTimeMillis })
          }),
        3000
      )

      // Every handoff after the first few (the record learns the typical hold from the releases).
      const handoffs = sections.slice(5).flatMap((section, i) => {
        const before = sections[i + 4]!
        if (before.who === section.who) return []
        const between = logs[section.who]!.filter((request) => request.at >= before.exit && request.at < section.enter)
        return [{ gap: section.enter - before.exit, steps: between.map((request) => request.step) }]
      })
      console.log(
        `handoffs: ${handoffs.length}, gaps ${[...new Set(handoffs.map((handoff) => handoff.gap))].join("/")} ms, ` +
          `waiter's requests after the release: ${[...new Set(handoffs.map((handoff) => handoff.steps.join("+")))].join(", ")}`
      )
      assert.isAbove(handoffs.length, 30)
      for (const handoff of handoffs) {
        // The release is sent at the end of the section; the claim 1 ms later arrives after it and applies.
        assert.deepStrictEqual(handoff.steps, ["claim"])
        assert.isAtMost(handoff.gap, 2)
      }
    })
  )

  it.effect("a client re-acquiring right after its release holds its join back while the next holder claims", () =>
    Effect.gen(function* () {
      const logs = yield* twoClientsTakingTurns(() => Effect.sleep("50 millis"), 2000)

      // Both clients' requests in the order sent (a stable sort keeps each client's own order).
      const log = logs
        .flatMap((requests, who) => requests.map((request) => ({ who, ...request })))
        .sort((a, b) => a.at - b.at)
      // Each release followed by the same client's join (it saw the other waiting): the join is sent at least the
      // pause (6 ms) after the release, not as soon as the release is answered, when the other client's claim,
      // sent as the release was expected, is on its way to the store.
      const rejoins = log.flatMap((request, i) => {
        if (request.step !== "release") return []
        const join = log.slice(i + 1).find((later) => later.who === request.who && later.step !== "read")
        return join?.step === "join" ? [{ pause: join.at - request.at }] : []
      })
      assert.isAbove(rejoins.length, 20)
      for (const rejoin of rejoins) {
        assert.isAtLeast(rejoin.pause, 6, JSON.stringify(rejoin))
      }
    })
  )
})
