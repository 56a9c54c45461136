/** What a contention run of lock worker processes tells: shares, request costs, handoff latencies, safety. */
import type { Acquisition, LockWorkerEvent } from "../workers/protocol.js"
import { summarize } from "./stats.js"
import type { Summary } from "./stats.js"

export interface ProcessFigures {
  readonly acquisitions: number
  readonly share: number
  /** Every request of the process (waits, releases, renewals) per acquisition. */
  readonly requestsPerAcquisition: number
  readonly requests: Record<string, number>
}

export interface ContentionFigures {
  readonly processes: ReadonlyArray<ProcessFigures>
  readonly acquisitions: number
  readonly acquisitionsPerSecond: number
  readonly minShare: number
  readonly maxShare: number
  /** Processes that never had the lock. */
  readonly starved: number
  /** The longest wait of any process (`acquire` called -> lock held), counting a wait the run's end stopped. */
  readonly longestWait: number
  readonly requestsPerAcquisition: number
  /** Time some process held the lock, as a share of the run (first entry to last exit). */
  readonly busyShare: number
  /** Requests sent during `acquire` calls that ended with the lock. */
  readonly waitRequests: Summary
  /** Section end of one holder -> section start of the next (any process). */
  readonly handoff: Summary
  /** The same, only where the next holder is another process. */
  readonly crossHandoff: Summary
  /** Requests the next holder sent while waiting, where it is another process. */
  readonly crossHandoffRequests: Summary
  readonly crossHandoffs: number
  /**
   * The same run from `coldStartMillis` after the first entry on, the start left out: waiters that joined before
   * any release had no typical hold in the record to time their looks by, and looked by their schedules.
   */
  readonly afterColdStart: { readonly acquisitionsPerSecond: number; readonly handoff: Summary }
  /** Safety, checked on the side: overlapping sections and fencing tokens out of entry order (both must be 0). */
  readonly overlaps: number
  readonly tokenDisorders: number
  readonly unfinishedWaits: number
}

/** How much of a run's start `afterColdStart` leaves out. */
export const coldStartMillis = 2_000

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0)

/**
 * The figures of one run: each process's events, in process order. Requests are those each process counted on its
 * client, unless `serverRequests` (each process's requests as the server saw them, by operation) is given.
 */
export const analyze = (
  runs: ReadonlyArray<ReadonlyArray<LockWorkerEvent>>,
  serverRequests?: ReadonlyArray<Record<string, number>>
): ContentionFigures => {
  const perProcess = runs.map((events) => ({
    acquisitions: events.filter(
      (event): event is Extract<LockWorkerEvent, { _tag: "Acquired" }> => event._tag === "Acquired"
    ),
    stats: events.find((event): event is Extract<LockWorkerEvent, { _tag: "Stats" }> => event._tag === "Stats")
  }))
  const all: Array<Acquisition & { readonly worker: number }> = perProcess
    .flatMap(({ acquisitions }, worker) => acquisitions.map((acquisition) => ({ ...acquisition, worker })))
    .sort((a, b) => a.enter - b.enter)
  const count = all.length
  const span = count === 0 ? 0 : all.at(-1)!.exit - all[0]!.enter
  const handoffs = all.slice(1).map((next, i) => ({ next, before: all[i]! }))
  const cross = handoffs.filter(({ next, before }) => next.worker !== before.worker)
  const warm = handoffs.filter(({ before }) => before.exit >= all[0]!.enter + coldStartMillis)
  const warmSpan = warm.length === 0 ? 0 : warm.at(-1)!.next.exit - warm[0]!.next.enter
  const requests = serverRequests ?? perProcess.map(({ stats }) => stats?.requests ?? {})
  const shares = perProcess.map(({ acquisitions }) => acquisitions.length / Math.max(1, count))
  return {
    processes: perProcess.map(({ acquisitions }, i) => ({
      acquisitions: acquisitions.length,
      share: shares[i]!,
      requestsPerAcquisition: total(requests[i]!) / Math.max(1, acquisitions.length),
      requests: requests[i]!
    })),
    acquisitions: count,
    acquisitionsPerSecond: count / Math.max(1e-9, span / 1000),
    minShare: Math.min(...shares),
    maxShare: Math.max(...shares),
    starved: shares.filter((share) => share === 0).length,
    longestWait: Math.max(
      0,
      ...all.map((acquisition) => acquisition.enter - acquisition.requested),
      ...perProcess.map(({ stats }) => stats?.openWaitMillis ?? 0)
    ),
    requestsPerAcquisition: requests.reduce((sum, counts) => sum + total(counts), 0) / Math.max(1, count),
    busyShare: all.reduce((sum, acquisition) => sum + (acquisition.exit - acquisition.enter), 0) / Math.max(1e-9, span),
    waitRequests: summarize(all.map((acquisition) => total(acquisition.waitRequests))),
    handoff: summarize(handoffs.map(({ next, before }) => next.enter - before.exit)),
    crossHandoff: summarize(cross.map(({ next, before }) => next.enter - before.exit)),
    crossHandoffRequests: summarize(cross.map(({ next }) => total(next.waitRequests))),
    crossHandoffs: cross.length,
    afterColdStart: {
      acquisitionsPerSecond: warm.length / Math.max(1e-9, warmSpan / 1000),
      handoff: summarize(warm.map(({ next, before }) => next.enter - before.exit))
    },
    overlaps: handoffs.filter(({ next, before }) => next.enter <= before.exit).length,
    tokenDisorders: handoffs.filter(
      ({ next, before }) =>
        next.token !== undefined && before.token !== undefined && BigInt(next.token) <= BigInt(before.token)
    ).length,
    unfinishedWaits: perProcess.reduce((sum, { stats }) => sum + (stats?.unfinishedWaits ?? 0), 0)
  }
}

/** Requests by operation, summed over processes, per acquisition: e.g. "GetItem 3.1, UpdateItem 2.0". */
export const operationMix = (figures: ContentionFigures): string => {
  const sums: Record<string, number> = {}
  for (const process of figures.processes) {
    for (const [operation, n] of Object.entries(process.requests)) sums[operation] = (sums[operation] ?? 0) + n
  }
  return Object.entries(sums)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, n]) => `${operation} ${(n / Math.max(1, figures.acquisitions)).toFixed(2)}`)
    .join(", ")
}
