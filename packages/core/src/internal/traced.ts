/** Spans of the public operations, at a cost fit for every call. */
import { Effect } from "effect"
import type { Tracer } from "effect"

// The tracer a runtime has when nobody installed one: its spans go nowhere.
const builtIn = Effect.runSync(Effect.tracer)

/**
 * Runs the effect in a span `name` with these attributes, when a tracer is installed (e.g. `@effect/opentelemetry`).
 * With Effect's built-in tracer, whose spans nobody reads, no span is made: one costs several microseconds, as much
 * as a whole memory-layer `get`. No stack trace is captured either: Effect's default takes a `new Error()` with
 * every span, and the span's name says where it comes from.
 */
export const traced =
  (name: string, attributes?: Record<string, unknown>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> =>
    Effect.tracerWith((tracer) =>
      tracer === builtIn ? (self as Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>>) : Effect.withSpan(self, name, { attributes, captureStackTrace: false })
    )
