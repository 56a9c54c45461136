/**
 * A partner's API that allows at most `limit` calls in flight per customer, simulated in this process. Like such
 * APIs do, it refuses a call over the limit (HTTP 429) instead of queueing it, and it counts: how many calls it
 * served, how many it refused, and the most it ever had in flight at once.
 */
import { Effect, Ref, Schema } from "effect"
import type { Duration } from "effect"

/** The API refused a call: too many in flight (HTTP 429). */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", {
  caller: Schema.String,
  inFlight: Schema.Number
}) {}

/** What the API saw. */
export interface ApiStats {
  readonly served: number
  readonly refused: number
  /** The most calls in flight at one instant, counting the refused ones as they arrived. */
  readonly maxInFlight: number
}

/** The API's client side. */
export interface PartnerApi {
  readonly limit: number
  /** One call: takes `latency`, fails with `TooManyRequests` if `limit` calls are in flight already. */
  readonly call: (caller: string) => Effect.Effect<number, TooManyRequests>
  /** Calls in flight right now. */
  readonly inFlight: Effect.Effect<number>
  readonly stats: Effect.Effect<ApiStats>
}

/** A fresh API. */
export const make = (options: {
  readonly limit: number
  readonly latency: Duration.DurationInput
}): Effect.Effect<PartnerApi> =>
  Effect.gen(function* () {
    const inFlight = yield* Ref.make(0)
    const stats = yield* Ref.make<ApiStats>({ served: 0, refused: 0, maxInFlight: 0 })
    const arrive = Ref.modify(inFlight, (n) => [n + 1, n + 1] as const).pipe(
      Effect.tap((now) => Ref.update(stats, (s) => ({ ...s, maxInFlight: Math.max(s.maxInFlight, now) })))
    )
    const leave = Ref.update(inFlight, (n) => n - 1)
    const call = (caller: string) =>
      Effect.acquireUseRelease(
        arrive,
        (now) =>
          now > options.limit
            ? Effect.zipRight(
                Ref.update(stats, (s) => ({ ...s, refused: s.refused + 1 })),
                new TooManyRequests({ caller, inFlight: now })
              )
            : Effect.zipRight(
                Effect.sleep(options.latency),
                Ref.modify(stats, (s) => [s.served + 1, { ...s, served: s.served + 1 }] as const)
              ),
        () => leave
      )
    return { limit: options.limit, call, inFlight: Ref.get(inFlight), stats: Ref.get(stats) }
  })
