/**
 * The rate-limited-api example's story. A partner's API allows 3 calls in flight at once per customer and refuses
 * the rest (HTTP 429). Several workers, each a process of its own in real life (here: each its own client) with
 * several fibers, call it:
 *
 * 1. Without coordination, every fiber calls at once: the API refuses all but 3.
 * 2. With a distributed semaphore of 3 permits (`locker.semaphore("partner-api", 3)`), each call runs under
 *    `withPermits(1)`: never more than 3 are in flight, however many workers there are, nothing is refused, and
 *    waiting fibers are served in the order they asked.
 */
import { Clock, Console, Duration, Effect } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, LockLost, StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import * as Timeline from "../shared/timeline.js"
import * as PartnerApi from "./PartnerApi.js"
import type { TooManyRequests } from "./PartnerApi.js"

/** The API's limit, and so the semaphore's. */
export const limit = 3

/** The shape of the run. */
export interface Settings {
  /** Workers, each with its own client (its own process, in production). */
  readonly workers: number
  /** Fibers per worker, each making `calls` calls one after the other. */
  readonly fibers: number
  readonly calls: number
  /** How long the API takes to answer a call. */
  readonly latency: Duration.Duration
}

/** What happened. */
export interface Result {
  /** Step 1: every fiber called at once, without the semaphore. */
  readonly uncoordinated: PartnerApi.ApiStats
  /** Step 2: every call under `withPermits(1)`. */
  readonly coordinated: PartnerApi.ApiStats
  readonly calls: number
  /** Step 2: how long each call waited for its permit, in ms. */
  readonly waits: ReadonlyArray<number>
  /** Step 2, from the first call asked to the last one answered. */
  readonly elapsed: Duration.Duration
  /** Permits free before and after step 2, as any client reads them. */
  readonly availableBefore: number
  readonly availableAfter: number
}

/** Everything a call under the semaphore can fail with: a refused call is a failure of the example. */
export type RunError = TooManyRequests | AcquireCancelled | LockLost | InvalidInput | StoreError

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

const ms = (millis: number) => Duration.format(Duration.millis(Math.round(millis)))

/** The nearest-rank percentile of some samples. */
const percentile = (samples: ReadonlyArray<number>, p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

/** One worker's client: a process of its own in real life. */
const client = (table: DemoTable.DemoTable) =>
  Effect.map(DynamoStore.make(DemoTable.storeOptions(table, "RateLimitedApi")), ({ locker }) => locker)

/** Runs the story on `table`. */
export const run = (table: DemoTable.DemoTable, settings: Settings): Effect.Effect<Result, RunError, Scope.Scope> =>
  Effect.gen(function* () {
    const { calls, fibers, workers } = settings
    const callers = workers * fibers
    yield* Console.log(`table: ${table.description}`)
    yield* Console.log(
      `the partner API takes ${Duration.format(settings.latency)} a call and refuses more than ${limit} in flight (429); ` +
        `${workers} workers with ${fibers} fibers each call it`
    )

    yield* Console.log(`\n1. without coordination: all ${callers} fibers call at once`)
    const unguarded = yield* PartnerApi.make({ limit, latency: settings.latency })
    yield* Effect.forEach(range(callers), (i) => Effect.either(unguarded.call(`fiber ${i}`)), {
      concurrency: "unbounded"
    })
    const uncoordinated = yield* unguarded.stats
    yield* Console.log(`   the API served ${uncoordinated.served} and refused ${uncoordinated.refused} with 429`)

    yield* Console.log(
      `\n2. every call under semaphore("partner-api", ${limit}).withPermits(1), ${calls} calls per fiber`
    )
    const api = yield* PartnerApi.make({ limit, latency: settings.latency })
    const lockers = yield* Effect.forEach(range(workers), () => client(table))
    const availableBefore = yield* lockers[0]!.semaphore("partner-api", limit).available
    yield* Console.log(`   permits available: ${availableBefore} of ${limit}`)
    const say = yield* Timeline.start
    const waits: Array<number> = []

    /** One call, under one permit of the semaphore shared by every worker. */
    const guardedCall = (semaphore: ReturnType<(typeof lockers)[number]["semaphore"]>, caller: string, n: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (asked) =>
        Effect.gen(function* () {
          const waited = (yield* Clock.currentTimeMillis) - asked
          waits.push(waited)
          const inFlight = (yield* api.inFlight) + 1
          yield* say(
            `${caller.padEnd(6)} call ${n}/${calls}  in flight ${inFlight}/${limit}  waited ${ms(waited)} for a permit`
          )
          return yield* api.call(caller)
        }).pipe(semaphore.withPermits(1, { ttl: "10 seconds" }))
      )

    const started = yield* Clock.currentTimeMillis
    yield* Effect.forEach(
      lockers,
      (locker, w) => {
        const semaphore = locker.semaphore("partner-api", limit)
        return Effect.forEach(
          range(fibers),
          (f) => Effect.forEach(range(calls), (n) => guardedCall(semaphore, `w${w + 1}/f${f}`, n), { discard: true }),
          { concurrency: "unbounded", discard: true }
        )
      },
      { concurrency: "unbounded", discard: true }
    )
    const elapsed = Duration.millis((yield* Clock.currentTimeMillis) - started)
    const coordinated = yield* api.stats
    const availableAfter = yield* lockers[0]!.semaphore("partner-api", limit).available

    const total = callers * calls
    const waitedInAll = waits.reduce((sum, wait) => sum + wait, 0)
    const held = coordinated.maxInFlight <= limit && coordinated.refused === 0
    yield* Console.log(
      `\nSummary: ${total} calls by ${callers} fibers of ${workers} workers in ${Duration.format(elapsed)}`
    )
    yield* Console.log(
      `  ${held ? "ok  " : "FAIL"} never more than ${limit} calls in flight: at most ${coordinated.maxInFlight} seen by the API, ` +
        `${coordinated.refused} refused, ${coordinated.served} served`
    )
    yield* Console.log(
      `  waiting for a permit: p50 ${ms(percentile(waits, 50))}, p90 ${ms(percentile(waits, 90))}, ` +
        `max ${ms(Math.max(0, ...waits))}, ${ms(waitedInAll)} in all`
    )
    yield* Console.log(
      `  at ${limit} at once the calls need at least ${ms((total * Duration.toMillis(settings.latency)) / limit)}; ` +
        `one at a time, ${ms(total * Duration.toMillis(settings.latency))}`
    )
    yield* Console.log(`  permits available afterwards: ${availableAfter} of ${limit} (every permit was given back)`)
    return { uncoordinated, coordinated, calls: total, waits, elapsed, availableBefore, availableAfter }
  })

/** Whether the run went as the story tells it. */
export const wentAsTold = (result: Result): boolean =>
  result.uncoordinated.refused > 0 &&
  result.coordinated.refused === 0 &&
  result.coordinated.maxInFlight <= limit &&
  result.coordinated.served === result.calls &&
  result.availableAfter === limit
