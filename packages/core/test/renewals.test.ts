import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, TestClock } from "effect"
import { makeRenewals } from "../src/internal/lock/renewals.js"
import type { Renewals } from "../src/internal/lock/renewals.js"

/**
 * The scheduler's fiber may yield at any of its steps (Effect does after 2048 operations in one run, so with many
 * leases due at once), and another fiber may then schedule a task. A clock that runs a hook on every read models
 * that at the steps where the scheduler reads the time.
 */
const hookedClock = (base: Clock.Clock, onRead: () => void): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => {
    onRead()
    return base.unsafeCurrentTimeMillis()
  },
  currentTimeMillis: Effect.suspend(() => {
    onRead()
    return base.currentTimeMillis
  }),
  unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos(),
  currentTimeNanos: base.currentTimeNanos,
  sleep: (duration) => base.sleep(duration)
})

const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("renewals", () => {
  it.scoped("starts a task scheduled while its fiber reads the clock, on time", () =>
    Effect.gen(function* () {
      const started: Array<string> = []
      const scheduled: Array<{ readonly name: string; readonly at: number }> = []
      const client: { renewals?: Renewals } = {}
      // Once armed, the scheduler's next two reads each schedule a task, the second due before the first.
      let armed = false
      const onRead = () => {
        if (!armed || client.renewals === undefined || scheduled.length >= 2) return
        const task = { name: `read ${scheduled.length + 1}`, at: 1090 - 10 * scheduled.length }
        scheduled.push(task)
        client.renewals.unsafeSchedule(
          task.at,
          Effect.sync(() => void started.push(task.name))
        )
      }
      const base = yield* Effect.clock
      const renewals = yield* Effect.withClock(makeRenewals, hookedClock(base, onRead))
      client.renewals = renewals
      yield* renewals.schedule(
        1000,
        Effect.sync(() => void started.push("first"))
      )
      yield* renewals.schedule(
        5000,
        Effect.sync(() => void started.push("last"))
      )
      yield* settle

      armed = true
      yield* TestClock.adjust(1000)
      yield* settle
      assert.deepStrictEqual(started, ["first"])
      for (const now of [1080, 1090]) {
        yield* TestClock.adjust(now - (yield* Clock.currentTimeMillis))
        yield* settle
        const due = scheduled.filter((task) => task.at <= now).map((task) => task.name)
        assert.deepStrictEqual(started.filter((name) => name.startsWith("read")).sort(), due.sort(), `at ${now}`)
      }
      assert.lengthOf(scheduled, 2)
      assert.notInclude(started, "last")
    })
  )

  it.scoped("starts tasks scheduled out of order each at its own time; a cancelled one never starts", () =>
    Effect.gen(function* () {
      const started: Array<number> = []
      const renewals = yield* makeRenewals
      const cancels = [300, 100, 500, 200, 400].map((at) =>
        renewals.unsafeSchedule(
          at,
          Effect.sync(() => void started.push(at))
        )
      )
      yield* settle
      yield* cancels[2]!()
      for (const step of [100, 100, 100, 100, 100]) {
        yield* TestClock.adjust(step)
        yield* settle
      }
      assert.deepStrictEqual(started, [100, 200, 300, 400])
    })
  )
})
