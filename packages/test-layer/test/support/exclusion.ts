// A mutual-exclusion checker: critical sections record who is inside; any overlap is a violation.
import { Effect, Random } from "effect"

export interface Checker {
  readonly violations: Array<string>
  readonly tokens: Array<bigint>
  readonly entries: Map<string, number>
  /** A critical section of `client` lasting a random time in [minMillis, maxMillis). */
  readonly section: (client: string, token: bigint, minMillis: number, maxMillis: number) => Effect.Effect<void>
}

export const makeChecker = (): Checker => {
  let inside: string | undefined
  const violations: Array<string> = []
  const tokens: Array<bigint> = []
  const entries = new Map<string, number>()
  return {
    violations,
    tokens,
    entries,
    section: (client, token, minMillis, maxMillis) =>
      Effect.gen(function* () {
        if (inside !== undefined) violations.push(`${client} entered while ${inside} was inside`)
        inside = client
        tokens.push(token)
        entries.set(client, (entries.get(client) ?? 0) + 1)
        yield* Effect.sleep(yield* Random.nextIntBetween(minMillis, maxMillis))
        if (inside !== client) violations.push(`${client} left while ${inside ?? "nobody"} was inside`)
        inside = undefined
      }).pipe(
        // A section interrupted by lock loss has stopped its work.
        Effect.onInterrupt(() =>
          Effect.sync(() => {
            if (inside === client) inside = undefined
          })
        )
      )
  }
}

export const strictlyIncreasing = (values: ReadonlyArray<bigint>): boolean =>
  values.every((value, i) => i === 0 || value > values[i - 1]!)
