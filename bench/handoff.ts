/** (iv) Handoff cost: one holder and one waiter, each in its own process, taking turns on one key. */
import { Effect } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type { ContentionFigures } from "./support/contention.js"
import { runContention } from "./support/lockProcesses.js"
import type { Table } from "./support/report.js"

/** Hold times to measure, with a run long enough for several handoffs each. */
export const handoffScenarios = [
  { holdMillis: 50, durationMillis: 8_000 },
  { holdMillis: 500, durationMillis: 10_000 },
  { holdMillis: 2_000, durationMillis: 16_000 }
] as const

export interface HandoffResult {
  readonly scenarios: ReadonlyArray<{
    readonly holdMillis: number
    readonly durationMillis: number
    readonly figures: ContentionFigures
  }>
  readonly tables: ReadonlyArray<Table>
}

export const handoff = (server: LocalDynamo.LocalDynamoServer): Effect.Effect<HandoffResult> =>
  Effect.gen(function* () {
    const scenarios = yield* Effect.forEach(handoffScenarios, (scenario) =>
      Effect.map(runContention(server, { processes: 2, ...scenario }), (figures) => ({ ...scenario, figures }))
    )
    return {
      scenarios,
      tables: [
        {
          title: "Handoff: 1 holder + 1 waiter in two processes, taking turns (dynalite process)",
          note:
            "Both processes re-acquire right after releasing, so each acquisition is a handoff from the other process. " +
            "Waiter requests = requests the waiting process sent from calling `acquire` until it had the lock " +
            "(reads, the ticket, the acquiring write); the holder's release is not included.",
          columns: [
            "hold ms",
            "handoffs",
            "waiter requests / handoff mean",
            "p50",
            "p99",
            "handoff latency p50 ms",
            "p99 ms",
            "acquisitions / s"
          ],
          rows: scenarios.map(({ holdMillis, figures }) => [
            holdMillis,
            figures.crossHandoffs,
            figures.crossHandoffRequests.mean,
            figures.crossHandoffRequests.p50,
            figures.crossHandoffRequests.p99,
            figures.crossHandoff.p50,
            figures.crossHandoff.p99,
            figures.acquisitionsPerSecond
          ])
        }
      ]
    }
  })
