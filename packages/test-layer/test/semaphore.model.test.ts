// The semaphore against its one law, over random runs: clients acquire random numbers of permits, hold them for
// random times, give up waiting, get interrupted, let leases expire without renewal; at no instant are more than
// `limit` permits held, and when everyone is done nothing is left: every permit free, nobody in line.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, FastCheck as fc, Fiber, Option, TestClock } from "effect"
import { MemoryStore, MemoryTable } from "@dynalock/test-layer"

interface Step {
  readonly permits: number
  readonly holdMillis: number
  readonly renew: boolean
  /** Give up waiting after this long (none: wait as long as it takes). */
  readonly timeoutMillis: number | undefined
  /** Interrupt this round after this long, wherever it is (waiting, holding). */
  readonly interruptMillis: number | undefined
}

interface Scenario {
  readonly limit: number
  readonly clients: ReadonlyArray<ReadonlyArray<Step>>
}

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 3 }).chain((limit) =>
  fc.record({
    limit: fc.constant(limit),
    clients: fc.array(
      fc.array(
        fc.record({
          permits: fc.integer({ min: 1, max: limit }),
          holdMillis: fc.integer({ min: 10, max: 1500 }),
          renew: fc.boolean(),
          timeoutMillis: fc.option(fc.integer({ min: 50, max: 3000 }), { nil: undefined }),
          interruptMillis: fc.option(fc.integer({ min: 1, max: 2500 }), { nil: undefined })
        }),
        { minLength: 1, maxLength: 4 }
      ),
      { minLength: 2, maxLength: 4 }
    )
  })
)

const ttl = Duration.seconds(1)

const runScenario = ({ clients, limit }: Scenario) =>
  Effect.gen(function* () {
    const table = yield* MemoryTable.make
    let held = 0
    let most = 0
    const violations: Array<string> = []
    const enter = (permits: number) =>
      Effect.sync(() => {
        held += permits
        most = Math.max(most, held)
        if (held > limit) violations.push(`${held} permits held of ${limit}`)
      })
    const leave = (permits: number) => Effect.sync(() => (held -= permits))
    const client = (steps: ReadonlyArray<Step>) =>
      Effect.scoped(
        Effect.gen(function* () {
          const { locker } = yield* MemoryStore.make({
            table,
            partition: "p",
            lock: { maxClockSkew: "100 millis", queueGrace: "500 millis" }
          })
          const pool = locker.semaphore("pool", limit)
          for (const step of steps) {
            const round = Effect.scoped(
              Effect.gen(function* () {
                const permit = yield* pool.acquire(step.permits, {
                  ttl,
                  renew: step.renew,
                  ...(step.timeoutMillis === undefined ? {} : { timeout: Duration.millis(step.timeoutMillis) })
                })
                yield* enter(permit.permits)
                // The work stops when the permits are lost: from then on it no longer counts as held.
                yield* Effect.raceFirst(Effect.sleep(step.holdMillis), Effect.ignore(permit.lost)).pipe(
                  Effect.ensuring(leave(permit.permits))
                )
              })
            )
            const bounded =
              step.interruptMillis === undefined ? round : Effect.timeout(round, Duration.millis(step.interruptMillis))
            yield* Effect.ignore(bounded)
          }
        })
      )
    const fibers = yield* Effect.forEach(clients, (steps) => Effect.fork(client(steps)))
    for (
      let t = 0;
      t < 600 && !(yield* Effect.map(Effect.forEach(fibers, Fiber.poll), (polls) => polls.every(Option.isSome)));
      t++
    ) {
      yield* TestClock.adjust(50)
    }
    yield* Fiber.joinAll(fibers)
    // Let every lease that was not released (a round interrupted mid-release) run out.
    yield* TestClock.adjust("3 seconds")
    const { locker } = yield* MemoryStore.make({ table, partition: "p", lock: { maxClockSkew: "100 millis" } })
    const state = yield* locker.inspect("pool")
    return { violations, most, available: yield* locker.semaphore("pool", limit).available, state }
  })

describe("semaphore model (memory, TestClock)", () => {
  it.scoped(
    "never more than limit permits held; nothing left behind once every client is done",
    () =>
      Effect.gen(function* () {
        const runs = fc.sample(scenario, { seed: 20261201, numRuns: 25 })
        let atTheLimit = 0
        for (const [index, run] of runs.entries()) {
          const result = yield* runScenario(run)
          const label = `run ${index}: ${JSON.stringify(run)}`
          assert.deepStrictEqual(result.violations, [], label)
          assert.strictEqual(result.available, run.limit, `${label}: every permit free at the end`)
          assert.isTrue(
            !Option.exists(result.state, (state) => state.waiting > 0 || state.held),
            `${label}: nobody in line`
          )
          if (result.most === run.limit) atTheLimit++
        }
        assert.isAbove(atTheLimit, runs.length / 4, "many runs reached the limit: the law was put to the test")
      }),
    120_000
  )
})
