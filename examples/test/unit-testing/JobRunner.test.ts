// Unit tests of the unit-testing example's service: the in-memory store, and time from TestClock, so that a
// 24-hour window and 30-second leases are tested in well under a second of real time. `TestClock.adjust` runs
// every sleep that falls due on the way, in order: renewals, polls of waiters, expiries.
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Option, Ref, TestClock } from "effect"
import { MemoryStore, MemoryTable } from "@dynalock/test-layer"
import * as JobRunner from "../../unit-testing/JobRunner.js"

/** The service alone on a fresh memory store, with its default options (the lock's jittered backoff). */
const layer = JobRunner.layer().pipe(Layer.provide(MemoryStore.layer()))

/** One more process of the fleet: its own client of the shared table. */
const runnerOn = (table: MemoryTable.MemoryTable) =>
  Effect.map(Layer.build(JobRunner.layer().pipe(Layer.provide(MemoryStore.layer({ table })))), (context) =>
    Context.get(context, JobRunner.JobRunner)
  )

describe("JobRunner (unit-testing example)", () => {
  it.effect("runs a job once; a second call within the window is skipped", () =>
    Effect.gen(function* () {
      const runner = yield* JobRunner.JobRunner
      const runs = yield* Ref.make(0)
      const job = Ref.updateAndGet(runs, (n) => n + 1)
      assert.deepStrictEqual(yield* runner.runOnce("nightly", job), { _tag: "Ran", value: 1 })
      assert.deepStrictEqual(yield* runner.runOnce("nightly", job), { _tag: "AlreadyDone" })
      assert.deepStrictEqual(yield* runner.runOnce("other", job), { _tag: "Ran", value: 2 })
    }).pipe(Effect.provide(layer))
  )

  it.effect("the done marker expires with the window: the next day the job runs again", () =>
    Effect.gen(function* () {
      const runner = yield* JobRunner.JobRunner
      const runs = yield* Ref.make(0)
      const job = Ref.update(runs, (n) => n + 1)
      yield* runner.runOnce("nightly", job)
      yield* TestClock.adjust("23 hours")
      assert.strictEqual((yield* runner.runOnce("nightly", job))._tag, "AlreadyDone")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* runner.runOnce("nightly", job))._tag, "Ran")
      assert.strictEqual(yield* Ref.get(runs), 2)
    }).pipe(Effect.provide(layer))
  )

  it.scoped("two processes at once: the job runs once, though it outlives several leases", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const [a, b] = [yield* runnerOn(table), yield* runnerOn(table)]
      const runs = yield* Ref.make(0)
      // Two minutes: four 30-second leases, kept by renewal.
      const job = Effect.zipRight(
        Ref.update(runs, (n) => n + 1),
        Effect.sleep("2 minutes")
      )
      const first = yield* Effect.fork(a.runOnce("report", job))
      const second = yield* Effect.fork(b.runOnce("report", job))
      yield* TestClock.adjust("125 seconds")
      const results = [yield* Fiber.join(first), yield* Fiber.join(second)].map((result) => result._tag).sort()
      assert.deepStrictEqual(results, ["AlreadyDone", "Ran"])
      assert.strictEqual(yield* Ref.get(runs), 1)
    })
  )

  it.scoped("a process that died holding the lock is taken over once its lease has run out", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      // The dead process: it took the lock and then neither renewed nor released it.
      const dead = yield* MemoryStore.make({ table })
      yield* dead.locker.acquire(JobRunner.lockKey("report"), { ttl: "30 seconds", renew: false })

      const runner = yield* runnerOn(table)
      const run = yield* Effect.fork(runner.runOnce("report", Effect.succeed("done")))
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(run)), "taken over while the lease was still running")
      // The lease ended at 30 s; the lock counts as held one clock-skew bound (1 s by default) longer.
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual(yield* Fiber.join(run), { _tag: "Ran", value: "done" })
    })
  )
})
