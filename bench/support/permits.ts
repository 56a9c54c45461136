/**
 * What a run of permit workers tells: throughput, request costs, how fast a freed permit reaches a waiter, and the
 * safety check on the side (never more holders at once than the limit).
 */
import type { Acquisition, LockWorkerEvent } from "../workers/protocol.js"
import { summarize } from "./stats.js"
import type { Summary } from "./stats.js"

export interface PermitFigures {
  readonly acquisitions: number
  readonly acquisitionsPerSecond: number
  /** Each process's acquisitions, in process order. */
  readonly perProcess: ReadonlyArray<number>
  readonly minShare: number
  readonly maxShare: number
  /** Requests per acquisition, all processes, as the server counted them (waits, releases, renewals). */
  readonly requestsPerAcquisition: number
  /** The same by operation. */
  readonly requestsByOperation: Record<string, number>
  /** Requests as the processes counted them on their clients, in all: a cross-check of the server's count. */
  readonly clientRequests: number
  readonly serverRequests: number
  /** Requests sent during `acquire` calls that ended with a permit. */
  readonly waitRequests: Summary
  /** `acquire` called -> permit held. */
  readonly wait: Summary
  /**
   * A permit freed (its holder's section ended) while someone waited -> the next holder's section starts. Freed
   * permits are matched to the next entries first come, first served.
   */
  readonly handoff: Summary
  /** The most sections open at one instant (sections are inside the leases, so this is a lower bound). */
  readonly maxConcurrent: number
  /** Entries that made more sections open at once than the limit: must be 0. */
  readonly overLimit: number
  /** Held permits over the run, as a share of `limit` × the run (first entry to last exit). */
  readonly utilization: number
  readonly unfinishedWaits: number
}

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0)

type Timed = Acquisition & { readonly worker: number }

/** Sections open at once, over time: the peak, and entries that went over the limit. */
const concurrency = (all: ReadonlyArray<Timed>, limit: number) => {
  // At one instant an exit counts before an entry: a section that ends as another begins does not overlap it.
  const events = all
    .flatMap((a) => [
      { at: a.enter, change: 1 },
      { at: a.exit, change: -1 }
    ])
    .sort((a, b) => a.at - b.at || a.change - b.change)
  let open = 0
  let peak = 0
  let over = 0
  for (const event of events) {
    open += event.change
    if (event.change > 0 && open > limit) over++
    peak = Math.max(peak, open)
  }
  return { peak, over }
}

/** Freed permits matched to the entries that followed, where someone was waiting when the permit freed. */
const handoffs = (all: ReadonlyArray<Timed>): ReadonlyArray<number> => {
  const events = all
    .flatMap((a) => [
      { at: a.exit, kind: "freed" as const },
      { at: a.enter, kind: "entered" as const }
    ])
    .sort((a, b) => a.at - b.at || (a.kind === "freed" ? -1 : 1))
  const waitingAt = (at: number) => all.some((a) => a.requested <= at && a.enter > at)
  const freed: Array<number> = []
  const latencies: Array<number> = []
  for (const event of events) {
    if (event.kind === "freed") {
      if (waitingAt(event.at)) freed.push(event.at)
    } else {
      const since = freed.shift()
      if (since !== undefined) latencies.push(event.at - since)
    }
  }
  return latencies
}

/**
 * The figures of one run: each process's events and the requests the server got from it, by operation, in
 * process order.
 */
export const analyzePermits = (
  runs: ReadonlyArray<ReadonlyArray<LockWorkerEvent>>,
  serverRequests: ReadonlyArray<Record<string, number>>,
  options: { readonly limit: number; readonly durationMillis: number }
): PermitFigures => {
  const perProcess = runs.map((events) => ({
    acquisitions: events.filter(
      (event): event is Extract<LockWorkerEvent, { _tag: "Acquired" }> => event._tag === "Acquired"
    ),
    stats: events.find((event): event is Extract<LockWorkerEvent, { _tag: "Stats" }> => event._tag === "Stats")
  }))
  const all: ReadonlyArray<Timed> = perProcess
    .flatMap(({ acquisitions }, worker) => acquisitions.map((acquisition) => ({ ...acquisition, worker })))
    .sort((a, b) => a.enter - b.enter)
  const count = all.length
  const span = count === 0 ? 0 : Math.max(...all.map((a) => a.exit)) - all[0]!.enter
  const shares = perProcess.map(({ acquisitions }) => acquisitions.length / Math.max(1, count))
  const byOperation: Record<string, number> = {}
  for (const counts of serverRequests) {
    for (const [operation, n] of Object.entries(counts)) byOperation[operation] = (byOperation[operation] ?? 0) + n
  }
  const serverTotal = total(byOperation)
  const { over, peak } = concurrency(all, options.limit)
  return {
    acquisitions: count,
    // Over the scenario's length: acquisitions the run handed out, per second of it.
    acquisitionsPerSecond: count / (options.durationMillis / 1000),
    perProcess: perProcess.map(({ acquisitions }) => acquisitions.length),
    minShare: Math.min(...shares),
    maxShare: Math.max(...shares),
    requestsPerAcquisition: serverTotal / Math.max(1, count),
    requestsByOperation: Object.fromEntries(
      Object.entries(byOperation).map(([operation, n]) => [operation, n / Math.max(1, count)])
    ),
    clientRequests: perProcess.reduce((sum, { stats }) => sum + total(stats?.requests ?? {}), 0),
    serverRequests: serverTotal,
    waitRequests: summarize(all.map((a) => total(a.waitRequests))),
    wait: summarize(all.map((a) => a.enter - a.requested)),
    handoff: summarize(handoffs(all)),
    maxConcurrent: peak,
    overLimit: over,
    utilization: all.reduce((sum, a) => sum + (a.exit - a.enter), 0) / Math.max(1e-9, span * options.limit),
    unfinishedWaits: perProcess.reduce((sum, { stats }) => sum + (stats?.unfinishedWaits ?? 0), 0)
  }
}
