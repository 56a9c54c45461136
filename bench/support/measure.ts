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
 * Failures are defects: a benchmark whose operations fail measures nothing.
 */
export const measure = <E, R>(
  count: number,
  operation: (i: number) => Effect.Effect<unknown, E, R>,
  options: { readonly concurrency?: number; readonly warmup?: number } = {}
): Effect.Effect<Measured, never, R> =>
  Effect.gen(function* () {
    const warmup = options.warmup ?? Math.min(200, Math.ceil(count / 10))
    for (let i = 0; i < warmup; i++) yield* Effect.orDie(operation(i))
    const samples = new Array<number>(count)
    const started = performance.now()
    yield* Effect.forEach(
      Array.from({ length: count }, (_, i) => i),
      (i) =>
        Effect.suspend(() => {
          const t0 = performance.now()
          return Effect.map(Effect.orDie(operation(i)), () => {
            samples[i] = performance.now() - t0
          })
        }),
      { concurrency: options.concurrency ?? 1, discard: true }
    )
    const elapsed = performance.now() - started
    return { operations: count, opsPerSecond: count / (elapsed / 1000), latency: summarize(samples) }
  })
