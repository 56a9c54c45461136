// Many independent clients contending on one lock in one memory table, driven by the TestClock.
import { Duration, Effect, Fiber, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import type { LockOptions } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { makeChecker } from "./exclusion.js"
import type { Checker } from "./exclusion.js"
import { instrument } from "./instrument.js"
import type { Fate, Instrumented, Operation } from "./instrument.js"
import { withClockOffset } from "./clocks.js"

export interface ContentionOptions {
  readonly clients: number
  readonly rounds: number
  readonly lock: LockOptions
  readonly settings?: Dynalock.LockerSettings
  /** Clock offset of each client, in ms. */
  readonly offsets?: ReadonlyArray<number>
  readonly latency?: number
  readonly fate?: (client: number, operation: Operation, request: unknown) => Fate
  readonly section: readonly [minMillis: number, maxMillis: number]
  /** Simulated time to run for at most. */
  readonly horizon: Duration.DurationInput
  /** TestClock step, ms (default 50). */
  readonly step?: number
}

export interface ContentionResult {
  readonly checker: Checker
  readonly clients: ReadonlyArray<Instrumented>
  readonly lost: number
  readonly cancelled: number
  readonly finished: boolean
  /** Simulated milliseconds until every client was done. */
  readonly elapsed: number
}

export const contend = (options: ContentionOptions): Effect.Effect<ContentionResult> =>
  Effect.gen(function* () {
    const table = yield* MemoryTable.make
    const checker = makeChecker()
    const instrumented: Array<Instrumented> = []
    let lost = 0
    let cancelled = 0
    const fibers = []
    let running = options.clients
    for (let i = 0; i < options.clients; i++) {
      const id = `client-${i}`
      const probe = instrument(table.storage("locks"), {
        latency: options.latency,
        ...(options.fate === undefined
          ? {}
          : { fate: (operation: Operation, request: unknown) => options.fate!(i, operation, request) })
      })
      instrumented.push(probe)
      const offset = options.offsets?.[i] ?? 0
      const worker = Effect.scoped(
        Effect.gen(function* () {
          const { locker } = yield* Dynalock.makeOn(probe.storage, { lock: options.settings })
          for (let round = 0; round < options.rounds; round++) {
            const outcome = yield* Effect.scoped(
              Effect.flatMap(locker.acquire("resource", options.lock), (lock) =>
                Effect.raceFirst(
                  checker.section(id, lock.fencingToken, options.section[0], options.section[1]),
                  lock.lost
                )
              )
            ).pipe(Effect.either)
            if (outcome._tag === "Left") {
              if (outcome.left._tag === "LockLost") lost++
              else cancelled++
            }
          }
        })
      ).pipe(withClockOffset(offset), Effect.ensuring(Effect.sync(() => running--)))
      fibers.push(yield* Effect.fork(worker))
    }
    const horizon = Duration.toMillis(Duration.decode(options.horizon))
    const step = options.step ?? 50
    let elapsed = 0
    while (running > 0 && elapsed < horizon) {
      yield* TestClock.adjust(step)
      elapsed += step
    }
    const finished = running === 0
    if (finished) yield* Fiber.joinAll(fibers)
    else {
      // Releases in flight need simulated time to finish.
      const stopping = yield* Effect.fork(Fiber.interruptAll(fibers))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(stopping)
    }
    return { checker, clients: instrumented, lost, cancelled, finished, elapsed }
  })
