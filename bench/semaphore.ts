/**
 * (vii) A semaphore under contention: 6 processes take one permit of a 2-permit semaphore in a tight loop, 50 ms
 * holds, requests counted at the server (a FaultProxy with no faults in front of it, by client tag).
 * `--seconds N` sets the run's length (default 25).
 */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import type { TrafficStats } from "@dynalock/test-layer/FaultProxy"
import type { BenchOptions } from "./support/options.js"
import { analyzePermits } from "./support/permits.js"
import type { PermitFigures } from "./support/permits.js"
import { spawnWorker, startTogether } from "./support/processes.js"
import type { Table } from "./support/report.js"
import type { LockWorkerEvent } from "./workers/protocol.js"
import type { SemaphoreWorkerArgs } from "./workers/semaphoreProtocol.js"

export const semaphoreSettings = { processes: 6, limit: 2, holdMillis: 50 } as const

export interface SemaphoreResult {
  readonly settings: typeof semaphoreSettings & { readonly durationMillis: number }
  readonly figures: PermitFigures
  readonly tables: ReadonlyArray<Table>
}

/** Requests the server got from `tag` between two snapshots of the proxy's counts, by operation. */
const forwardedSince = (
  before: FaultProxy.ProxyStats,
  after: FaultProxy.ProxyStats,
  tag: string
): Record<string, number> => {
  const counts = (stats: TrafficStats | undefined) => stats?.forwardedByOperation ?? {}
  const earlier = counts(before.byClient[tag])
  return Object.fromEntries(
    Object.entries(counts(after.byClient[tag]))
      .map(([operation, n]) => [operation, n - (earlier[operation] ?? 0)] as const)
      .filter(([, n]) => n > 0)
  )
}

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`
const ms = (summary: { readonly p50: number; readonly p99: number; readonly max: number }) =>
  `${summary.p50.toFixed(1)} / ${summary.p99.toFixed(1)} / ${summary.max.toFixed(1)}`

export const semaphore = (
  server: LocalDynamo.LocalDynamoServer,
  options: BenchOptions
): Effect.Effect<SemaphoreResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const settings = { ...semaphoreSettings, durationMillis: Math.round(options.scenarioSeconds * 1000) }
      const proxy = yield* FaultProxy.make({ target: server.endpoint })
      const partition = `bench-semaphore-${randomUUID()}`
      const tags = Array.from({ length: settings.processes }, (_, i) => `semaphore/${i + 1}`)
      const workers = yield* Effect.forEach(
        tags,
        (tag) =>
          spawnWorker<LockWorkerEvent>("workers/semaphoreWorker.ts", {
            endpoint: proxy.endpoint,
            tag,
            tableName: server.tableName,
            partition,
            key: "pool",
            limit: settings.limit,
            holdMillis: settings.holdMillis,
            durationMillis: settings.durationMillis
          } satisfies SemaphoreWorkerArgs),
        { concurrency: "unbounded" }
      )
      const before = yield* Effect.zipRight(
        Effect.forEach(workers, (worker) => worker.next("Ready", "90 seconds"), {
          concurrency: "unbounded",
          discard: true
        }),
        proxy.stats
      )
      yield* startTogether(workers)
      yield* Effect.forEach(workers, (worker) => worker.next("Stats", settings.durationMillis + 60_000), {
        concurrency: "unbounded",
        discard: true
      })
      const after = yield* proxy.stats
      const figures = analyzePermits(
        workers.map((worker) => worker.events),
        tags.map((tag) => forwardedSince(before, after, tag)),
        settings
      )
      const mix = Object.entries(figures.requestsByOperation)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, n]) => `${operation} ${n.toFixed(2)}`)
        .join(", ")
      return {
        settings,
        figures,
        tables: [
          {
            title: `Semaphore: ${settings.processes} processes, limit ${settings.limit}, one permit each, ${settings.holdMillis} ms holds, ${settings.durationMillis / 1000} s (dynalite process)`,
            note:
              "Each process takes a permit again as soon as it has given one back. Requests are counted at the server " +
              "(through a counting proxy, by process), releases and renewals included. Handoff: a permit freed while " +
              "someone waited (the holder's section ended) -> the next holder's section starts.",
            columns: ["figure", "value"],
            rows: [
              ["acquisitions", figures.acquisitions],
              ["acquisitions / s", figures.acquisitionsPerSecond],
              ["permit utilization (held / limit x run)", percent(figures.utilization)],
              ["acquisitions per process", figures.perProcess.join(", ")],
              ["share min / max", `${percent(figures.minShare)} / ${percent(figures.maxShare)}`],
              ["requests / permit acquisition (server)", figures.requestsPerAcquisition],
              ["requests / permit acquisition by operation", mix],
              [
                "requests counted by the clients / at the server",
                `${figures.clientRequests} / ${figures.serverRequests}`
              ],
              [
                "requests during a successful wait p50 / p99",
                `${figures.waitRequests.p50} / ${figures.waitRequests.p99}`
              ],
              ["wait (acquire called -> permit held) p50 / p99 / max ms", ms(figures.wait)],
              ["handoff (permit freed -> next holder enters) p50 / p99 / max ms", ms(figures.handoff)],
              ["handoffs measured", figures.handoff.count],
              [`max concurrent holders observed (must be <= ${settings.limit})`, figures.maxConcurrent],
              ["entries over the limit", figures.overLimit],
              ["waits cut by the end of the run", figures.unfinishedWaits]
            ]
          }
        ]
      }
    })
  )
