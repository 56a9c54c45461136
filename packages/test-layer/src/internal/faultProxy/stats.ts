/** What the proxy counts: requests received and forwarded by operation, faults by kind, in all and by client. */
import { faultKinds } from "./plan.js"
import type { FaultKind } from "./plan.js"

/**
 * Counts of one group of requests (all of them, or one client's).
 *
 * @since 0.2.0
 * @category stats
 */
export interface TrafficStats {
  /** Requests that arrived whole at the proxy. */
  readonly received: number
  readonly receivedByOperation: Readonly<Record<string, number>>
  /** Requests sent on to the server: a `Duplicate` counts twice, a `Throttle` not at all. */
  readonly forwarded: number
  readonly forwardedByOperation: Readonly<Record<string, number>>
  /** Faults applied, by kind (every kind present, 0 if none). */
  readonly faults: Readonly<Record<FaultKind, number>>
  /** Forwarded requests that got no answer from the server (it refused the connection, or closed it). */
  readonly targetFailures: number
}

/**
 * Counts of everything since the proxy started or `resetStats`, and the same by client tag (only for requests
 * that carry one).
 *
 * @since 0.2.0
 * @category stats
 */
export interface ProxyStats extends TrafficStats {
  readonly byClient: Readonly<Record<string, TrafficStats>>
}

interface Counter {
  received: number
  receivedByOperation: Record<string, number>
  forwarded: number
  forwardedByOperation: Record<string, number>
  faults: Record<FaultKind, number>
  targetFailures: number
}

const emptyCounter = (): Counter => ({
  received: 0,
  receivedByOperation: {},
  forwarded: 0,
  forwardedByOperation: {},
  faults: Object.fromEntries(faultKinds.map((kind) => [kind, 0])) as Record<FaultKind, number>,
  targetFailures: 0
})

const snapshotOf = (counter: Counter): TrafficStats => ({
  received: counter.received,
  receivedByOperation: { ...counter.receivedByOperation },
  forwarded: counter.forwarded,
  forwardedByOperation: { ...counter.forwardedByOperation },
  faults: { ...counter.faults },
  targetFailures: counter.targetFailures
})

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1
}

/** Who a count is about. */
export interface Origin {
  readonly operation: string
  readonly client: string | undefined
}

/** Mutable counters, updated as requests go through, read as immutable snapshots. */
export interface StatsRecorder {
  readonly received: (origin: Origin) => void
  readonly forwarded: (origin: Origin) => void
  readonly fault: (origin: Origin, kind: FaultKind) => void
  readonly targetFailed: (origin: Origin) => void
  readonly snapshot: () => ProxyStats
  readonly reset: () => void
}

export const makeStatsRecorder = (): StatsRecorder => {
  let all = emptyCounter()
  let byClient = new Map<string, Counter>()
  const countersOf = (origin: Origin): ReadonlyArray<Counter> => {
    if (origin.client === undefined) return [all]
    let client = byClient.get(origin.client)
    if (client === undefined) {
      client = emptyCounter()
      byClient.set(origin.client, client)
    }
    return [all, client]
  }
  const record = (update: (counter: Counter, origin: Origin) => void) => (origin: Origin) => {
    for (const counter of countersOf(origin)) update(counter, origin)
  }
  return {
    received: record((counter, { operation }) => {
      counter.received++
      bump(counter.receivedByOperation, operation)
    }),
    forwarded: record((counter, { operation }) => {
      counter.forwarded++
      bump(counter.forwardedByOperation, operation)
    }),
    fault: (origin, kind) => record((counter) => counter.faults[kind]++)(origin),
    targetFailed: record((counter) => counter.targetFailures++),
    snapshot: () => ({
      ...snapshotOf(all),
      byClient: Object.fromEntries([...byClient].map(([client, counter]) => [client, snapshotOf(counter)]))
    }),
    reset: () => {
      all = emptyCounter()
      byClient = new Map()
    }
  }
}
