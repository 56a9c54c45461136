/** Timing a sequence of effects, one at a time or with a fixed number in flight. */
import { Effect } from "effect"
import { summarize } from "./stats.js"
import type { Summary } from "./stats.js"

export interface Measured {
  readonly operations: number
  readonly opsPerSecond: number
  /** Per-operation latency in ms. */
  readonly latency: Summary
}

/**
 * Runs `operation(i)` for i in [0, count) with `concurrency` in flight, after `warmup` untimed runs (JIT, connections).
 * With `rounds`, ops/s comes from a second pass of the same operations in that many consecutive rounds, without the
 * per-operation clock reads (two of them cost 1-3 µs, a fifth of a memory get), and is the median round's: a few ms
 * of another process's work (dynalite catching up after the previous section) then moves one round, not the
 * figure. Latencies always come from the first pass. Failures are defects: a benchmark whose operations fail
 * measures nothing.
 */
export const measure = <E, R>(
  count: number,
  operation: (i: number) => Effect.Effect<unknown, E, R>,
  options: { readonly concurrency?: number; readonly warmup?: number; readonly rounds?: number } = {}
): Effect.Effect<Measured, never, R> =>
  Effect.gen(function* () {
    const warmup = options.warmup ?? Math.min(200, Math.ceil(count / 10))
    for (let i = 0; i < warmup; i++) yield* Effect.orDie(operation(i))
    const concurrency = options.concurrency ?? 1
    const indices = (first: number, last: number) => Array.from({ length: last - first }, (_, i) => first + i)
    const samples = new Array<number>(count)
    const timedStart = performance.now()
    yield* Effect.forEach(
      indices(0, count),
      (i) =>
        Effect.suspend(() => {
          const t0 = performance.now()
          return Effect.map(Effect.orDie(operation(i)), () => {
            samples[i] = performance.now() - t0
          })
        }),
      { concurrency, discard: true }
    )
    const timedRate = count / ((performance.now() - timedStart) / 1000)
    if (options.rounds === undefined) return { operations: count, opsPerSecond: timedRate, latency: summarize(samples) }
    const perRound = Math.ceil(count / options.rounds)
    const rates: Array<number> = []
    for (let first = 0; first < count; first += perRound) {
      const last = Math.min(count, first + perRound)
      const started = performance.now()
      yield* Effect.forEach(indices(first, last), (i) => Effect.orDie(operation(i)), { concurrency, discard: true })
      rates.push((last - first) / ((performance.now() - started) / 1000))
    }
    const opsPerSecond = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!
    return { operations: count, opsPerSecond, latency: summarize(samples) }
  })
