/**
 * Repeated runs of the comparison's contention scenarios (`--runs N`): which run a row reports (the median one by
 * each scenario's headline figure, so that all of a cell's figures come from one run), and every run's headline
 * figures beside it, so that a reader sees how far runs of the same row differ.
 */
import type { ContentionFigures } from "../support/contention.js"
import { fixed } from "../support/report.js"
import type { Table } from "../support/report.js"
import type { ContenderRow } from "./contenders.js"
import type { ComparisonSettings, RowResult } from "./report.js"
import type { ContentionRun, PairedRun } from "./scenarios.js"

/** A row's runs so far, in the order they ran. */
export interface Runs {
  readonly uncontended: PairedRun
  readonly barging: ReadonlyArray<ContentionRun>
  readonly forced: ReadonlyArray<ContentionRun>
}

/** Handoffs in a forced run: every acquisition after the first should be one. */
export const forcedHandoffP50 = (figures: ContentionFigures): number =>
  figures.crossHandoffs === 0 ? Number.NaN : figures.crossHandoff.p50

/**
 * The run of median `headline`, lower being better: of an even number, the worse of the middle two (never a flattering
 * pick). A run without the figure counts as the worst.
 */
const medianRun = (
  runs: ReadonlyArray<ContentionRun>,
  headline: (figures: ContentionFigures) => number
): ContentionRun => {
  const key = (run: ContentionRun) => {
    const value = headline(run.figures)
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value
  }
  const sorted = [...runs].sort((a, b) => key(a) - key(b))
  return sorted[Math.floor(sorted.length / 2)]!
}

export const rowResult = (row: ContenderRow, runs: Runs): RowResult => ({
  row,
  uncontended: runs.uncontended,
  // Acquisitions per second is the barging loop's headline (negated: higher is better), the handoff latency the
  // forced one's.
  barging: medianRun(runs.barging, (figures) => -figures.acquisitionsPerSecond),
  forced: medianRun(runs.forced, forcedHandoffP50),
  runs
})

/** Every run's headline figures, row by row; none when each scenario ran once (the other tables show it all). */
export const runsTables = (results: ReadonlyArray<RowResult>, settings: ComparisonSettings): ReadonlyArray<Table> =>
  settings.runs <= 1
    ? []
    : [
        {
          title: `Each run of the contention scenarios (${settings.runs} runs, the rows taking turns run by run)`,
          note:
            "The tables above show each row's median run: by acquisitions/s for the barging loop, by handoff p50 for " +
            "the forced handoff. Here is every run, in the order they ran; overlaps must be 0 in all of them.",
          columns: [
            "contender",
            "run",
            "barging acq/s",
            "barging handoff p50 ms",
            "barging req/acq",
            "forced handoff p50 ms",
            "forced req/acq",
            "overlaps barging / forced"
          ],
          rows: results.flatMap(({ row, runs }) =>
            runs.barging.map((barging, i) => {
              const forced = runs.forced[i]!.figures
              return [
                row.id,
                i + 1,
                fixed(barging.figures.acquisitionsPerSecond, 1),
                fixed(barging.figures.handoff.p50, 2),
                fixed(barging.figures.requestsPerAcquisition, 2),
                fixed(forcedHandoffP50(forced), 2),
                fixed(forced.requestsPerAcquisition, 2),
                `${barging.figures.overlaps} / ${forced.overlaps}`
              ]
            })
          )
        }
      ]
