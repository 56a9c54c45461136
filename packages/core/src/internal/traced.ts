/** Spans of the public operations, at a cost fit for every call. */
import { Effect } from "effect"
import type { Tracer } from "effect"

/**
 * Runs the effect in a span `name` with these attributes. No stack trace is captured: Effect's default takes one
 * with every span (`new Error()`), a good part of a memory-layer operation's cost, and the span's name says where.
 */
export const traced =
  (name: string, attributes?: Record<string, unknown>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> =>
    Effect.withSpan(self, name, { attributes, captureStackTrace: false })
