/** (iii) The starvation scenario of the API contract: 8 processes re-acquiring one key in a tight loop, 50 ms holds. */
import { Effect } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { coldStartMillis, operationMix } from "./support/contention.js"
import type { ContentionFigures } from "./support/contention.js"
import { runContention } from "./support/lockProcesses.js"
import type { Table } from "./support/report.js"

export const fairnessSettings = { processes: 8, holdMillis: 50, durationMillis: 25_000 } as const

export interface FairnessResult {
  readonly settings: typeof fairnessSettings
  readonly figures: ContentionFigures
  readonly tables: ReadonlyArray<Table>
}

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`

export const fairness = (server: LocalDynamo.LocalDynamoServer): Effect.Effect<FairnessResult> =>
  Effect.map(runContention(server, fairnessSettings), (figures) => ({
    settings: fairnessSettings,
    figures,
    tables: [
      {
        title: `Fairness: ${fairnessSettings.processes} processes, ${fairnessSettings.holdMillis} ms holds, ${fairnessSettings.durationMillis / 1000} s, one dynalite process`,
        note: "Each process re-acquires as soon as it has released. Requests are counted on each process's SDK client.",
        columns: ["process", "acquisitions", "share", "requests / acquisition", "requests"],
        rows: figures.processes.map((process, i) => [
          `#${i + 1}`,
          process.acquisitions,
          percent(process.share),
          process.requestsPerAcquisition,
          Object.entries(process.requests)
            .map(([operation, n]) => `${operation} ${n}`)
            .join(", ")
        ])
      },
      {
        title: "Fairness: summary",
        columns: ["figure", "value"],
        rows: [
          ["acquisitions", figures.acquisitions],
          ["acquisitions / s", figures.acquisitionsPerSecond],
          ["share min / max", `${percent(figures.minShare)} / ${percent(figures.maxShare)}`],
          [
            "target: no process starved, none above ~20%",
            figures.minShare > 0 && figures.maxShare <= 0.2 ? "met" : "MISSED"
          ],
          ["lock busy (held) share of the run", percent(figures.busyShare)],
          ["requests / acquisition (all processes)", figures.requestsPerAcquisition],
          ["requests / acquisition by operation", operationMix(figures)],
          ["requests during a successful wait p50 / p99", `${figures.waitRequests.p50} / ${figures.waitRequests.p99}`],
          [
            "handoff (section end -> next section start) p50 / p99 / max ms",
            `${figures.handoff.p50.toFixed(1)} / ${figures.handoff.p99.toFixed(1)} / ${figures.handoff.max.toFixed(1)}`
          ],
          [
            `after the first ${coldStartMillis / 1000} s (the start left out: 8 waiters joining at once, before a release gave the record a typical hold): acquisitions / s`,
            figures.afterColdStart.acquisitionsPerSecond
          ],
          [
            `after the first ${coldStartMillis / 1000} s: handoff p50 / p99 / max ms`,
            `${figures.afterColdStart.handoff.p50.toFixed(1)} / ${figures.afterColdStart.handoff.p99.toFixed(1)} / ${figures.afterColdStart.handoff.max.toFixed(1)}`
          ],
          ["handoffs to another process", `${figures.crossHandoffs} of ${Math.max(0, figures.acquisitions - 1)}`],
          ["overlapping sections / tokens out of order", `${figures.overlaps} / ${figures.tokenDisorders}`]
        ]
      }
    ]
  }))
