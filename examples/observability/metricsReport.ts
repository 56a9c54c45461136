/**
 * dynalock's metrics as a table: `Metric.snapshot` holds every metric of the process, each once per set of tags;
 * the `dynalock_*` ones are the counters and histograms of `Observability` (see the root README, "Metrics and spans").
 */
import { Effect, Metric, MetricState } from "effect"
import type { MetricPair } from "effect"

/** One counter, for one set of tags. */
export interface CounterRow {
  readonly _tag: "Counter"
  readonly name: string
  readonly tags: Readonly<Record<string, string>>
  readonly count: number
}

/** One histogram, for one set of tags, in milliseconds. */
export interface HistogramRow {
  readonly _tag: "Histogram"
  readonly name: string
  readonly tags: Readonly<Record<string, string>>
  readonly count: number
  readonly sum: number
  readonly max: number
  /** Upper bounds of the buckets holding the median and the 99th percentile (at most `max`). */
  readonly p50: number
  readonly p99: number
  /** Each non-empty bucket: its upper bound and how many fell in it (not cumulative). */
  readonly buckets: ReadonlyArray<readonly [number, number]>
}

export type MetricRow = CounterRow | HistogramRow

const tagsOf = (pair: MetricPair.MetricPair.Untyped): Record<string, string> =>
  Object.fromEntries(pair.metricKey.tags.map((tag) => [tag.key, tag.value]))

/** The upper bound of the bucket where the `q`-th quantile falls, from Effect's cumulative bucket counts. */
const quantile = (state: MetricState.MetricState.Histogram, q: number): number => {
  const rank = Math.max(1, Math.ceil(q * state.count))
  const bucket = state.buckets.find(([, cumulative]) => cumulative >= rank)
  return Math.min(bucket?.[0] ?? state.max, state.max)
}

const toRow = (pair: MetricPair.MetricPair.Untyped): MetricRow | undefined => {
  const { name } = pair.metricKey
  const tags = tagsOf(pair)
  const state = pair.metricState
  if (MetricState.isCounterState(state)) return { _tag: "Counter", name, tags, count: Number(state.count) }
  if (MetricState.isHistogramState(state)) {
    const buckets = state.buckets.flatMap(([bound, cumulative], i): Array<readonly [number, number]> => {
      const inBucket = cumulative - (state.buckets[i - 1]?.[1] ?? 0)
      return inBucket > 0 ? [[bound, inBucket]] : []
    })
    return {
      _tag: "Histogram",
      name,
      tags,
      count: state.count,
      sum: state.sum,
      max: state.max,
      p50: quantile(state, 0.5),
      p99: quantile(state, 0.99),
      buckets
    }
  }
  return undefined
}

const tagText = (tags: Readonly<Record<string, string>>) =>
  Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ")

/** Every `dynalock_*` metric that was touched, by name and tags. */
export const dynalockMetrics: Effect.Effect<ReadonlyArray<MetricRow>> = Effect.map(Metric.snapshot, (pairs) =>
  pairs
    .filter((pair) => pair.metricKey.name.startsWith("dynalock_"))
    .flatMap((pair) => {
      const row = toRow(pair)
      return row === undefined || row.count === 0 ? [] : [row]
    })
    .sort((a, b) => a.name.localeCompare(b.name) || tagText(a.tags).localeCompare(tagText(b.tags)))
)

/** The counter for these tags exactly, 0 if it never counted. */
export const counted = (rows: ReadonlyArray<MetricRow>, name: string, tags: Readonly<Record<string, string>>): number =>
  rows.find((row) => row._tag === "Counter" && row.name === name && tagText(row.tags) === tagText(tags))?.count ?? 0

/** The histogram for these tags exactly. */
export const timed = (
  rows: ReadonlyArray<MetricRow>,
  name: string,
  tags: Readonly<Record<string, string>>
): HistogramRow | undefined =>
  rows.find(
    (row): row is HistogramRow => row._tag === "Histogram" && row.name === name && tagText(row.tags) === tagText(tags)
  )

const ms = (millis: number) => `${Math.round(millis)} ms`

/** The rows as lines of text: counters with their count, histograms with count, p50, p99, max and their buckets. */
export const format = (rows: ReadonlyArray<MetricRow>): ReadonlyArray<string> => {
  const nameWidth = Math.max(0, ...rows.map((row) => row.name.length))
  const tagsWidth = Math.max(0, ...rows.map((row) => tagText(row.tags).length))
  return rows.flatMap((row) => {
    const head = `${row.name.padEnd(nameWidth)}  ${tagText(row.tags).padEnd(tagsWidth)}  `
    if (row._tag === "Counter") return [`${head}${String(row.count).padStart(5)}`]
    const buckets = row.buckets.map(([bound, n]) => `≤${Number.isFinite(bound) ? bound : "∞"}: ${n}`)
    return [
      `${head}${String(row.count).padStart(5)}  p50 ≤ ${ms(row.p50)}, p99 ≤ ${ms(row.p99)}, max ${ms(row.max)}, ${ms(row.sum)} in all`,
      `${" ".repeat(nameWidth + tagsWidth + 4)}${" ".repeat(5)}  buckets (ms) ${buckets.join(", ")}`
    ]
  })
}
