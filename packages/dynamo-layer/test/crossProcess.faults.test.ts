/**
 * The lock across OS processes under random faults: 4 worker processes on one key, each with its clock off by a
 * different amount within maxClockSkew, all through ONE fault proxy hosted here (throttles, 5xx, answers dropped
 * after the write applied) in front of a dynalite running as its own process.
 *
 * `npm test` runs a short version; `npm run soak` the same with DYNALOCK_SOAK_ACQUISITIONS (e.g. 2000)
 * acquisitions in all. DYNALOCK_FAULT_SEED replays a plan's draws (the order of requests still varies).
 */
import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { tallied } from "./support/lockRequests.js"
import { overlapsOf, tokenDisordersOf } from "./support/sections.js"
import { handOversOf, sectionsOf, waitsOf } from "./support/workerRuns.js"
import { spawnWorker, tagged } from "./support/workerProcess.js"
import type { WorkerArgs } from "./support/workerProtocol.js"

const soakAcquisitions = Number(process.env.DYNALOCK_SOAK_ACQUISITIONS ?? "0")
const soak = Number.isSafeInteger(soakAcquisitions) && soakAcquisitions > 0
const seed = Number(process.env.DYNALOCK_FAULT_SEED ?? "20261201")

const offsets = [-90, -30, 40, 95]
const acquisitions = soak ? soakAcquisitions : 100
const rounds = Math.ceil(acquisitions / offsets.length)

const skew = 200
// Below the default (2 s), so that "no stall past queueGrace" says something.
const grace = 500
const ttl = 1000
const rates = { throttle: 0.1, serverError: 0.05, dropAnswer: 0.05 }

/**
 * Retries tuned for a store that answers in milliseconds, each wait at most 100 ms: DynamoStore's (of throttled
 * requests and of reads: from 20 ms, doubling) and the acquisitions' (after a failed claim, join or refresh: from
 * 20 ms, 1.5 times a step). The defaults grow to 2 s and 1 s; with a fifth of all requests failing, a waiter
 * sleeping that long after a failure lets its place lapse (see lock.placeLapse.test.ts), and the lock then lies
 * idle until it does.
 */
const storeRetry = [20, 100] as const
const lockRetry = [20, 100] as const

/**
 * What a hand-over may cost beyond queueGrace. No request timeout: the proxy drops answers by resetting the
 * connection (randomPlan's default; a hung answer to a claim cannot be timed out yet, see lock.hungClaim.test.ts),
 * so a lost answer costs what a 5xx does. The next waiter looks again within queueGrace / 2; each of its requests
 * that fails then costs a retry (at most 100 ms, above) and a round trip, as does each failed release of the holder
 * (core retries those from 50 ms, doubling): 500 ms covers four failures in a row with queueGrace / 2 to spare. A longer run of failures can outlast the waiter's place, which others then skip once it
 * lapses: at most queueGrace + maxClockSkew + the clocks' spread (885 ms) after its last renewal, within the bound.
 */
const stallAllowance = 500

/** The machine-wide monotonic clock the workers report by (see lockWorker.ts). */
const now = (): number => Number(process.hrtime.bigint()) / 1e6

const startup = "40 seconds" // a cold tsx start of a few workers on two busy cores takes a while

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

describe("the lock across OS processes under random faults (one fault proxy, dynalite in its own process)", () => {
  it.scopedLive(
    `4 processes with skewed clocks x ${rounds} rounds, ${rates.throttle * 100}% throttled, ${rates.serverError * 100}% 5xx, ` +
      `${rates.dropAnswer * 100}% answers dropped: no overlap, tokens in order, no stall past queueGrace`,
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.make({ childProcess: true })
        const faults = tallied(FaultProxy.randomPlan(rates, seed), now)
        const proxy = yield* FaultProxy.make({ target: server.endpoint, plan: faults.plan })
        const base: WorkerArgs = {
          endpoint: proxy.endpoint,
          tableName: server.tableName,
          partition: `locks-${randomUUID()}`,
          key: "resource",
          rounds,
          holdMillis: [2, 20],
          ttlMillis: ttl,
          skewMillis: skew,
          queueGraceMillis: grace,
          storeRetryMillis: storeRetry,
          lockRetryMillis: lockRetry
        }
        const workers = yield* Effect.forEach(
          offsets,
          (offsetMillis, i) => spawnWorker({ ...base, offsetMillis, clientTag: `worker-${i}` }),
          { concurrency: "unbounded" }
        )
        yield* Effect.forEach(workers, (worker) => worker.waitFor(tagged("Ready"), startup), {
          concurrency: "unbounded",
          discard: true
        })
        const started = now()
        yield* Effect.forEach(workers, (worker) => worker.start, { discard: true })
        yield* Effect.forEach(workers, (worker) => worker.waitFor(tagged("Done"), `${30 + rounds} seconds`), {
          concurrency: "unbounded",
          discard: true
        })
        const took = now() - started

        const names = offsets.map((offset, i) => `worker-${i} (${offset >= 0 ? "+" : ""}${offset} ms)`)
        const sections = workers.flatMap((worker, i) => sectionsOf(names[i]!, worker.events))
        const waits = workers.flatMap((worker, i) => waitsOf(names[i]!, worker.events))
        const overlaps = overlapsOf(sections)
        const disorders = tokenDisordersOf(sections)
        const handOvers = handOversOf(sections, waits)
        const stalls = handOvers.map((handOver) => handOver.stall)
        const worst = handOvers.reduce((a, b) => (b.stall > a.stall ? b : a))
        const stats = yield* proxy.stats
        // The longest run of faults among one client's consecutive requests: what its retries had to ride out.
        const streaks = new Map<string, { current: number; longest: number }>()
        for (const request of faults.log) {
          const streak = streaks.get(request.client ?? "") ?? { current: 0, longest: 0 }
          streak.current = request.fault === "Pass" ? 0 : streak.current + 1
          streak.longest = Math.max(streak.longest, streak.current)
          streaks.set(request.client ?? "", streak)
        }
        const longestStreak = Math.max(...[...streaks.values()].map((streak) => streak.longest))
        console.log(
          [
            `faulty multi-process run (seed ${seed}): ${sections.length} acquisitions by ${workers.length} processes in ${(took / 1000).toFixed(1)} s`,
            `  overlaps ${overlaps.length}, token disorders ${disorders.length}, lost locks ${sections.filter((s) => s.lost).length}`,
            `  stalls: max ${Math.max(...stalls).toFixed(0)} ms (${worst.after.who} -> ${worst.next.who}), p99 ${percentile(stalls, 99).toFixed(0)} ms, ` +
              `median ${percentile(stalls, 50).toFixed(1)} ms; bound queueGrace ${grace} + ${stallAllowance} ms`,
            `  longest run of faults on one client's consecutive requests: ${longestStreak}`,
            `  requests ${stats.received}, faults ${JSON.stringify(Object.fromEntries(Object.entries(stats.faults).filter(([, n]) => n > 0)))}`,
            `  requests by kind ${JSON.stringify(faults.requests)}`,
            `  faults by request kind ${JSON.stringify(faults.faults)}`,
            // What led to the longest stall: in the soak, or when it is over the bound.
            ...(soak || worst.stall > grace + stallAllowance
              ? [
                  `  the longest stall's requests (ms after the section ended):`,
                  ...faults.log
                    .filter((request) => request.at >= worst.after.exit - 50 && request.at <= worst.next.enter)
                    .map(
                      (request) =>
                        `    ${(request.at - worst.after.exit).toFixed(1)} ${request.client} ${request.kind} ${request.fault}`
                    )
                ]
              : [])
          ].join("\n")
        )
        assert.strictEqual(sections.length, workers.length * rounds)
        assert.deepStrictEqual(overlaps, [])
        assert.deepStrictEqual(disorders, [])
        assert.deepStrictEqual(
          sections.filter((section) => section.lost).map((section) => section.who),
          []
        )
        assert.isAtMost(Math.max(...stalls), grace + stallAllowance)
        // The faults did happen, of each kind.
        assert.isAbove(stats.faults.Throttle, 0)
        assert.isAbove(stats.faults.ServerError, 0)
        assert.isAbove(stats.faults.DropAnswer, 0)
      }),
    soak ? 120_000 + rounds * 4 * 500 : 60_000
  )
})
