/** The comparison as tables: the side-by-side summary, dynalock's ratios to the best peer, and the details. */
import { operationMix } from "../support/contention.js"
import type { ContentionFigures } from "../support/contention.js"
import { fixed } from "../support/report.js"
import type { Table } from "../support/report.js"
import type { ContenderRow } from "./contenders.js"
import { isPeer } from "./contenders.js"
import { forcedHandoffP50, runsTables } from "./runs.js"
import type { Runs } from "./runs.js"
import type { ContentionRun, PairedRun, Requests } from "./scenarios.js"
import { totalOf } from "./scenarios.js"

/** A row's figures: its uncontended run, and the median of its runs of each contention scenario. */
export interface RowResult {
  readonly row: ContenderRow
  readonly uncontended: PairedRun
  readonly barging: ContentionRun
  readonly forced: ContentionRun
  readonly runs: Runs
}

export interface ComparisonSettings {
  readonly processes: number
  readonly holdMillis: number
  readonly scenarioMillis: number
  readonly uncontendedCycles: number
  readonly keyValueOperations: number
  /** How many times each contention scenario ran per row. */
  readonly runs: number
  /** Installed versions of the peers and the SDKs they run on, by package name. */
  readonly versions: Record<string, string>
}

const millis = (value: number): string =>
  Number.isNaN(value)
    ? "-"
    : value >= 1000
      ? `${Math.round(value).toLocaleString("en-US")} ms`
      : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ms`
const percent = (share: number): string => `${Math.round(share * 100)}%`
const mix = (requests: Requests): string =>
  Object.entries(requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, n]) => `${operation} ${n.toFixed(2)}`)
    .join(", ")

const solo = (result: RowResult) => result.uncontended.pairs[0]!

/** One figure of the summary, how to read it from a row's results, and which way is better. */
interface Column {
  readonly name: string
  readonly value: (result: RowResult) => number
  readonly better: "lower" | "higher"
  readonly show: (value: number) => string
  /** The scenario whose safety decides whether a peer may count as best in this column. */
  readonly safety?: (result: RowResult) => ContentionFigures
}

const barging = (result: RowResult) => result.barging.figures
const forced = (result: RowResult) => result.forced.figures
const perSecond = (value: number) => `${fixed(value)}/s`
const count = (value: number) => fixed(value)

const columns: ReadonlyArray<Column> = [
  { name: "uncontended mean", value: (r) => solo(r).library.mean, better: "lower", show: millis },
  {
    name: "barging acq/s",
    value: (r) => barging(r).acquisitionsPerSecond,
    better: "higher",
    show: perSecond,
    safety: barging
  },
  { name: "barging top share", value: (r) => barging(r).maxShare, better: "lower", show: percent, safety: barging },
  { name: "barging handoff p50", value: (r) => barging(r).handoff.p50, better: "lower", show: millis, safety: barging },
  {
    name: "barging req/acq",
    value: (r) => barging(r).requestsPerAcquisition,
    better: "lower",
    show: count,
    safety: barging
  },
  {
    name: "forced handoff p50",
    value: (r) => forcedHandoffP50(forced(r)),
    better: "lower",
    show: millis,
    safety: forced
  },
  {
    name: "forced req/acq",
    value: (r) => forced(r).requestsPerAcquisition,
    better: "lower",
    show: count,
    safety: forced
  }
]

/** The best peer in a column: by its figure, among peers that kept mutual exclusion in that scenario. */
const bestPeer = (results: ReadonlyArray<RowResult>, column: Column): RowResult | undefined =>
  results
    .filter((result) => isPeer(result.row) && !Number.isNaN(column.value(result)))
    .filter((result) => column.safety === undefined || column.safety(result).overlaps === 0)
    .reduce<RowResult | undefined>((best, result) => {
      if (best === undefined) return result
      const better =
        column.better === "lower"
          ? column.value(result) < column.value(best)
          : column.value(result) > column.value(best)
      return better ? result : best
    }, undefined)

const bargingCell = (figures: ContentionFigures): string =>
  `${fixed(figures.acquisitionsPerSecond)}/s, ${percent(figures.maxShare)}${figures.starved > 0 ? ` (${figures.starved} starved)` : ""}, ` +
  `${millis(figures.handoff.p50)}, ${fixed(figures.requestsPerAcquisition)}`

const forcedCell = (figures: ContentionFigures, settings: ComparisonSettings): string =>
  figures.crossHandoffs === 0
    ? `no handoff in ${settings.scenarioMillis / 1000} s, ${fixed(figures.requestsPerAcquisition)}`
    : `${millis(figures.crossHandoff.p50)}${figures.crossHandoffs < 5 ? ` (n=${figures.crossHandoffs})` : ""}, ${fixed(figures.requestsPerAcquisition)}`

const safety = (figures: ContentionFigures): string => `${figures.overlaps} / ${figures.tokenDisorders}`

export const comparisonTables = (
  results: ReadonlyArray<RowResult>,
  keyValue: PairedRun | undefined,
  settings: ComparisonSettings
): ReadonlyArray<Table> => {
  const scenario = `${settings.processes} contender processes on one key, ${settings.holdMillis} ms holds, ${settings.scenarioMillis / 1000} s per scenario`
  const rawMeans = results.map((result) => solo(result).raw.mean)
  const rawFloor = rawMeans.reduce((sum, mean) => sum + mean, 0) / Math.max(1, rawMeans.length)
  const summary: Table = {
    title: `Lock libraries side by side: ${scenario}, one dynalite process shared by all, requests counted at the server`,
    note:
      `Peers: dynamodb-lock-client ${settings.versions["dynamodb-lock-client"]} on the AWS SDK v2 DocumentClient ` +
      `(aws-sdk ${settings.versions["aws-sdk"]}), @deliveryhero/dynamodb-lock ${settings.versions["@deliveryhero/dynamodb-lock"]} ` +
      `on the SDK v3 DynamoDBDocument (@aws-sdk/lib-dynamodb ${settings.versions["@aws-sdk/lib-dynamodb"]}); dynalock and ` +
      `the raw floor on @aws-sdk/client-dynamodb ${settings.versions["@aws-sdk/client-dynamodb"]}. Each runs in the same ` +
      "contender loop (bench/workers/contenderWorker.ts) through its adapter (bench/peers/adapters), with the settings " +
      "of its row (bench/peers/contenders.ts). " +
      "Every contender's requests (dynalock's and the peers') go through one FaultProxy (no faults) in front of the dynalite " +
      "process, which counts them by client tag: requests per acquisition are all the requests the server got from the " +
      "scenario's processes divided by its acquisitions. " +
      "**Uncontended**: one client in one process, acquire + release in a loop on one key, mean per cycle; the raw floor " +
      "(a conditional PutItem `attribute_not_exists` + a conditional DeleteItem with the raw SDK v3 on one key) runs " +
      "interleaved with every row's cycles in the same process, and its row is the mean over those runs. " +
      "**Barging loop**: each process re-acquires as soon as it has released; acquisitions/s (over the scenario's " +
      "length), the top process's share " +
      "(with the number of processes that never got the lock), handoff p50 (section end -> next section start, whichever " +
      "process is next, so a process re-taking its own lock counts too), requests per acquisition. " +
      "**Forced cross-process handoff**: a process that released calls acquire again only after another process has " +
      "entered its section since (the parent relays each entry to the others over stdin), so every acquisition is a " +
      "handoff to a process that was waiting: handoff p50 (n = handoffs when fewer than 5) and requests per acquisition. " +
      "**The peers' semantics differ from dynalock's**: dynamodb-lock-client's FailClosed lock is an item with no lease " +
      "(a holder that dies keeps it until someone deletes it) and no fencing token; its one timing knob is " +
      "`acquirePeriodMs`, the pause between attempts (FailClosed has no heartbeat). @deliveryhero/dynamodb-lock by " +
      "default makes a waiter read the item and sleep the holder's whole lease (20 s) before trying to take it over; " +
      "with `trustLocalTime` it reads again every `waitDurationInMs`.",
    columns: [
      "",
      "uncontended acquire+release",
      "barging loop: acq/s, top share, handoff p50, req/acq",
      "forced cross-process handoff: p50, req/acq"
    ],
    rows: [
      ["raw floor: conditional Put + conditional Delete", millis(rawFloor), "-", "-"],
      ...results.map((result) => [
        result.row.label,
        millis(solo(result).library.mean),
        bargingCell(result.barging.figures),
        forcedCell(result.forced.figures, settings)
      ])
    ]
  }

  const dynalockResults = results.filter((result) => !isPeer(result.row))
  const bests = columns.map((column) => bestPeer(results, column))
  const ratios: Table = {
    title: "dynalock as a ratio to the best peer, column by column",
    note:
      "Each cell is dynalock's figure divided by the best peer's in that column (best: the lowest latency, share or " +
      "requests, the highest acquisitions/s), among the peers that had no overlapping sections in that scenario. Above " +
      "1 means dynalock's figure is the larger one: worse for every column but acquisitions/s. The best peer of a column " +
      "is named under it; a starving peer can be the best in a column of its own (acquisitions/s, handoff p50).",
    columns: ["", ...columns.map((column) => column.name)],
    rows: [
      [
        "best peer",
        ...columns.map((column, i) => {
          const best = bests[i]
          return best === undefined ? "-" : `${column.show(column.value(best))} (${best.row.id})`
        })
      ],
      ...dynalockResults.map((result) => [
        result.row.label,
        ...columns.map((column, i) => {
          const best = bests[i]
          if (best === undefined) return "-"
          const ratio = column.value(result) / column.value(best)
          return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "-"
        })
      ])
    ]
  }

  const uncontendedTable: Table = {
    title: "Side by side: uncontended acquire + release, each against the raw floor in the same process",
    note:
      `${settings.uncontendedCycles} cycles of each, interleaved one for one (the order alternating), after a tenth as many ` +
      "untimed. Requests per cycle as the server counted them.",
    columns: [
      "contender",
      "mean",
      "p50",
      "p99",
      "raw floor mean / p50",
      "ratio to floor (mean / p50)",
      "requests / cycle",
      "raw floor requests / cycle"
    ],
    rows: results.map((result) => {
      const pair = solo(result)
      const { library, raw } = result.uncontended.requestsPerOperation
      return [
        result.row.label,
        millis(pair.library.mean),
        millis(pair.library.p50),
        millis(pair.library.p99),
        `${millis(pair.raw.mean)} / ${millis(pair.raw.p50)}`,
        `${fixed(pair.library.mean / pair.raw.mean, 2)} / ${fixed(pair.library.p50 / pair.raw.p50, 2)}`,
        `${fixed(totalOf(library), 2)} (${mix(library)})`,
        fixed(totalOf(raw), 2)
      ]
    })
  }

  const contentionColumns = (figures: ContentionFigures, run: ContentionRun) => [
    figures.acquisitions,
    `${millis(figures.handoff.p50)} / ${millis(figures.handoff.p99)}`,
    millis(figures.longestWait),
    fixed(figures.requestsPerAcquisition, 2),
    operationMix(figures),
    `${run.clientRequests} / ${run.serverRequests}`,
    safety(figures)
  ]

  const bargingTable: Table = {
    title: "Side by side: barging loop",
    note:
      "Longest wait: `acquire` called -> lock held, counting a wait the end of the run cut short. Requests: the server's " +
      "count by client tag; client / server compares it with what the processes counted on their own clients (the v2 " +
      "SDK's and the v3 SDK's retries would show only at the server). Overlaps: sections of two processes that overlap " +
      "in time (machine-wide monotonic clock); tokens out of order: fencing tokens not increasing with entry order, " +
      "where the library has tokens (dynalock). Both must be 0.",
    columns: [
      "contender",
      "acq/s",
      "share top / min",
      "starved",
      "acquisitions",
      "handoff p50 / p99",
      "longest wait",
      "req/acq",
      "req/acq by operation",
      "requests client / server",
      "overlaps / tokens out of order"
    ],
    rows: results.map(({ row, barging }) => {
      const figures = barging.figures
      const [acquisitions, ...rest] = contentionColumns(figures, barging)
      return [
        row.label,
        fixed(figures.acquisitionsPerSecond),
        `${percent(figures.maxShare)} / ${percent(figures.minShare)}`,
        figures.starved,
        acquisitions!,
        ...rest
      ]
    })
  }

  const forcedTable: Table = {
    title: "Side by side: forced cross-process handoff",
    note:
      "Handoffs: acquisitions by another process than the previous holder (all of them but the first, when the relay " +
      "works). Handoff: the previous holder's section end -> the next holder's section start.",
    columns: [
      "contender",
      "acq/s",
      "handoffs",
      "acquisitions",
      "handoff p50 / p99",
      "longest wait",
      "req/acq",
      "req/acq by operation",
      "requests client / server",
      "overlaps / tokens out of order"
    ],
    rows: results.map(({ row, forced }) => {
      const figures = forced.figures
      const [acquisitions, , ...rest] = contentionColumns(figures, forced)
      return [
        row.label,
        fixed(figures.acquisitionsPerSecond),
        figures.crossHandoffs,
        acquisitions!,
        `${millis(forcedHandoffP50(figures))} / ${figures.crossHandoffs === 0 ? "-" : millis(figures.crossHandoff.p99)}`,
        ...rest
      ]
    })
  }

  const keyValueTable: ReadonlyArray<Table> =
    keyValue === undefined
      ? []
      : [
          {
            title: "dynalock vs the same requests sent raw",
            note:
              `One process; ${settings.keyValueOperations} of each, interleaved one for one with the very request dynalock ` +
              "sent (recorded on its client in the warm-up, sent again with a plain SDK v3 client). The ratio is dynalock's " +
              "own cost on top of the SDK: encoding, decoding, Effect. Requests per operation as the server counted them. " +
              "The last two rows split an uncontended lock cycle (one key, acquired again after its own release): " +
              "dynalock's acquire + release against its claim and release sent raw, then those two requests against the " +
              "raw floor (conditional Put + conditional Delete); the uncontended ratio to the floor is about their product.",
            columns: [
              "operation",
              "request",
              "dynalock mean / p50",
              "raw mean / p50",
              "ratio mean / p50",
              "requests / operation dynalock, raw"
            ],
            rows: keyValue.pairs.map((pair) => [
              pair.name,
              pair.operation ?? "-",
              `${millis(pair.library.mean)} / ${millis(pair.library.p50)}`,
              `${millis(pair.raw.mean)} / ${millis(pair.raw.p50)}`,
              `${fixed(pair.library.mean / pair.raw.mean, 2)} / ${fixed(pair.library.p50 / pair.raw.p50, 2)}`,
              pair.operation === undefined
                ? "-"
                : `${fixed(keyValue.requestsPerOperation.library[pair.operation] ?? 0, 2)}, ${fixed(keyValue.requestsPerOperation.raw[pair.operation] ?? 0, 2)}`
            ])
          }
        ]

  return [
    summary,
    ratios,
    uncontendedTable,
    bargingTable,
    forcedTable,
    ...runsTables(results, settings),
    ...keyValueTable
  ]
}
