/**
 * What is cached: exchange-rate lookups from a slow upstream service. A request is a `Schema.TaggedRequest` with a
 * `PrimaryKey`, so that `@effect/experimental`'s persistence can store its result (a success or a failure) under a
 * stable key, encoded by the request's own schemas.
 */
import { Effect, PrimaryKey, Ref, Schema } from "effect"
import type { Duration } from "effect"

/** The upstream knows no such currency. A failure worth caching too: asking again gives the same answer. */
export class UnknownCurrency extends Schema.TaggedError<UnknownCurrency>()("UnknownCurrency", {
  code: Schema.String
}) {}

/** How many `to` one `from` buys. */
export class GetRate extends Schema.TaggedRequest<GetRate>()("GetRate", {
  failure: UnknownCurrency,
  success: Schema.Number,
  payload: { from: Schema.String, to: Schema.String }
}) {
  [PrimaryKey.symbol](): string {
    return `${this.from}-${this.to}`
  }
}

// Value of one unit in US dollars.
const inDollars: Readonly<Record<string, number>> = { USD: 1, EUR: 1.08, GBP: 1.27, JPY: 0.0067 }

/** The slow upstream service, counting the calls it serves. */
export interface Upstream {
  readonly lookup: (request: GetRate) => Effect.Effect<number, UnknownCurrency>
  readonly calls: Effect.Effect<number>
}

/** An upstream that takes `latency` per call. */
export const makeUpstream = (latency: Duration.DurationInput): Effect.Effect<Upstream> =>
  Effect.map(Ref.make(0), (calls) => ({
    calls: Ref.get(calls),
    lookup: (request) =>
      Effect.gen(function* () {
        yield* Ref.update(calls, (n) => n + 1)
        yield* Effect.sleep(latency)
        const from = inDollars[request.from]
        const to = inDollars[request.to]
        if (from === undefined) return yield* new UnknownCurrency({ code: request.from })
        if (to === undefined) return yield* new UnknownCurrency({ code: request.to })
        return Math.round((from / to) * 10_000) / 10_000
      })
  }))
