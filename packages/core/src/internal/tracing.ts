/** Spans only when someone reads them: with Effect's built-in tracer, a span costs as much as a memory-layer `get`. */
import { Effect, Either, Stream } from "effect"
import type { Tracer } from "effect"

// The tracer a runtime has when nobody installed one: its spans go nowhere.
const builtIn = Effect.runSync(Effect.tracer)

// Attributes left undefined (a list without a prefix, say) are not attributes of the span.
const defined = (attributes: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  if (attributes === undefined) return undefined
  const out: Record<string, unknown> = {}
  for (const name in attributes) if (attributes[name] !== undefined) out[name] = attributes[name]
  return out
}

const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string"
    ? error._tag
    : "expected_failure"

export const spanEffect =
  (name: string, attributes?: Record<string, unknown>, expected?: (error: unknown) => boolean) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> =>
    Effect.tracerWith((tracer) => {
      if (tracer === builtIn) return self as Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>>
      const options = { attributes: defined(attributes), captureStackTrace: false }
      if (expected === undefined) return Effect.withSpan(self, name, options)
      // An expected failure (a refused condition) ends the span as a success, marked with its outcome.
      const settled = Effect.catchIf(Effect.map(self, Either.right), expected, (error) =>
        Effect.as(Effect.annotateCurrentSpan("outcome", tagOf(error)), Either.left(error))
      )
      return Effect.flatMap(Effect.withSpan(settled, name, options), (either): Effect.Effect<A, E> => either)
    })

export const spanStream =
  (name: string, attributes?: Record<string, unknown>) =>
  <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, Exclude<R, Tracer.ParentSpan>> =>
    Stream.unwrap(
      Effect.map(Effect.tracer, (tracer) =>
        tracer === builtIn
          ? (self as Stream.Stream<A, E, Exclude<R, Tracer.ParentSpan>>)
          : Stream.withSpan(self, name, { attributes: defined(attributes), captureStackTrace: false })
      )
    )
