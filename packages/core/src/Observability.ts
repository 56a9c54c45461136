/**
 * What dynalock tells about itself: Effect `Metric`s under the `dynalock_` prefix, read with `Metric.value` or
 * exported with any Effect metrics exporter (e.g. `@effect/opentelemetry`), and spans named after the public
 * operations (`KeyValueStore.get`, `Locker.acquire`, ...) with the key, partition and table as attributes, under
 * which the DynamoDB request spans nest (`DynamoDB.UpdateItem`, ...).
 *
 * Spans are made when a tracer is installed (`@effect/opentelemetry`, or any `Tracer`): with Effect's built-in
 * tracer, whose spans nobody reads, none are made, since one costs as much as a whole memory-layer `get`.
 *
 * @since 0.2.0
 */
import { Effect, FiberRef, Metric, MetricBoundaries, MetricKey, MetricLabel } from "effect"
import type { Fiber, Tracer } from "effect"
import { leafSpanEffect, spanEffect } from "./internal/tracing.js"

const waitBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000]

// Each metric's key, to make tagged variants from: a metric made with `Metric.tagged` builds a new key (and hashes
// it) at every update, more than the rest of a memory-layer operation costs.
const keys = new WeakMap<object, MetricKey.MetricKey.Untyped>()

const counter = (name: string, description: string): Metric.Metric.Counter<number> => {
  const key = MetricKey.counter(name, { description, incremental: true })
  const metric = Metric.fromMetricKey(key)
  keys.set(metric, key)
  return metric
}

const histogram = (name: string, description: string): Metric.Metric.Histogram<number> => {
  const key = MetricKey.histogram(name, MetricBoundaries.fromIterable(waitBoundaries), description)
  const metric = Metric.fromMetricKey(key)
  keys.set(metric, key)
  return metric
}

/**
 * Acquisitions of locks and permits by outcome: `acquired`, `timeout`, `held` (`wait: false`), `schedule_exhausted`,
 * `late`, `invalid_input` (refused before any request), `store_error`, `interrupted`, and `defect` (the wait died
 * of an unexpected error); tagged with `kind` (`lock` or `semaphore`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockAcquisitions = counter("dynalock_lock_acquisitions_total", "Lock and permit acquisitions, by outcome")

/**
 * How long `acquire` waited, from the call to the lease (acquired ones only), in milliseconds.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockWait = histogram("dynalock_lock_wait_milliseconds", "Time from acquire to the lease, in milliseconds")

/**
 * How long leases were held, from the grant to the release or the loss, in milliseconds.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockHold = histogram("dynalock_lock_hold_milliseconds", "Time a lease was held, in milliseconds")

/**
 * Leases lost, by `reason`: `TakenOver`, `Expired`, `Vanished`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockLosses = counter("dynalock_lock_losses_total", "Leases lost, by reason")

/**
 * Renewals by `outcome`: `renewed`, `lost`, `expired` (no answer in time).
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockRenewals = counter("dynalock_lock_renewals_total", "Lease renewals, by outcome")

/**
 * Waiters that gave up and took their places out of line (`outcome`: `withdrawn`, or `left` when the store did not
 * answer in time and the place is left to lapse); tagged with `kind` (`lock` or `semaphore`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockWithdrawals = counter("dynalock_lock_withdrawals_total", "Waiters that left the line, by outcome")

/**
 * Requests to the store, every attempt, by `operation` (`GetItem`, `UpdateItem`, ...) and `outcome`: `ok`,
 * `condition_failed` (a conditional write refused: normal in a contended lock), `throttled`, and the `StoreError`
 * reason of any other failure in snake case (`timeout`, `unavailable`, `table_not_found`, `access_denied`, ...). Counted by the DynamoDB layer.
 *
 * @since 0.2.0
 * @category metrics
 */
export const storeRequests = counter("dynalock_store_requests_total", "Requests to the store, by operation and outcome")

// Tagged metrics are made once per set of tags, from the metric's key with the tags in it.
const taggedCache = new WeakMap<object, Map<string, unknown>>()

/**
 * `metric` with these tags (in this order), made once and kept: updating it costs no more than the untagged
 * metric. Reads with `Metric.value(Metric.tagged(...))` with the same tags in the same order find the same value.
 *
 * @since 0.2.0
 * @category metrics
 */
export const tagged = <Type, In, Out>(
  metric: Metric.Metric<Type, In, Out>,
  tags: Record<string, string>
): Metric.Metric<Type, In, Out> => {
  let byTags = taggedCache.get(metric)
  if (byTags === undefined) {
    byTags = new Map()
    taggedCache.set(metric, byTags)
  }
  let cacheKey = ""
  for (const name in tags) cacheKey += `${name}=${tags[name]},`
  let made = byTags.get(cacheKey) as Metric.Metric<Type, In, Out> | undefined
  if (made === undefined) {
    const key = keys.get(metric)
    const labels = Object.entries(tags).map(([name, value]) => MetricLabel.make(name, value))
    made =
      key === undefined
        ? Object.entries(tags).reduce((current, [name, value]) => Metric.tagged(current, name, value), metric)
        : (Metric.fromMetricKey(MetricKey.taggedWithLabels(key, labels)) as unknown as Metric.Metric<Type, In, Out>)
    byTags.set(cacheKey, made)
  }
  return made
}

// Whether dynalock's metrics are counted in this fiber (and the fibers it forks, renewal timers included).
const metricsOn = FiberRef.unsafeMake(true)

/**
 * Runs `self` with dynalock's metrics off: nothing it does (nor the clients made in it, their renewals included)
 * updates a `dynalock_*` metric. For programs that want none in their registry, and to measure what metrics cost.
 *
 * @since 0.2.0
 * @category metrics
 */
export const withoutMetrics = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locally(self, metricsOn, false)

/**
 * Updates `metric` (with these tags) unless metrics are off in `fiber`, synchronously: for a step of `fiber` that
 * does other work too.
 *
 * @internal
 */
export const unsafeRecord = <Type, In, Out>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  metric: Metric.Metric<Type, In, Out>,
  input: In,
  tags?: Record<string, string>
): void => {
  if (fiber.getFiberRef(metricsOn)) {
    const target = tags === undefined ? metric : tagged(metric, tags)
    target.unsafeUpdate(input, fiber.getFiberRef(FiberRef.currentMetricLabels))
  }
}

// One step of the fiber for the check and the update: Metric.update would read the fiber's metric labels in a step
// of its own, after the step that read `metricsOn`.
const update = <Type, In, Out>(
  metric: Metric.Metric<Type, In, Out>,
  input: In,
  tags?: Record<string, string>
): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    unsafeRecord(fiber, metric, input, tags)
    return Effect.void
  })

/**
 * Adds one to `counter` (already tagged, see `tagged`), unless metrics are off (`withoutMetrics`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const increment = (counter: Metric.Metric.Counter<number>): Effect.Effect<void> => update(counter, 1)

/**
 * Adds one to `counter`, with these tags, unless metrics are off (`withoutMetrics`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const count = (counter: Metric.Metric.Counter<number>, tags: Record<string, string>): Effect.Effect<void> =>
  update(counter, 1, tags)

/**
 * Records a duration in milliseconds in `histogram`, with these tags, unless metrics are off (`withoutMetrics`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const time = (
  histogram: Metric.Metric.Histogram<number>,
  millis: number,
  tags: Record<string, string>
): Effect.Effect<void> => update(histogram, millis, tags)

/**
 * Runs the effect in a span `name` with these attributes (those left undefined are left out), when a tracer is
 * installed (see the module's comment). No stack trace is captured: Effect's default takes a `new Error()` with every
 * span; the span's name says where. A failure `expected` accepts (a refused conditional write, say) still fails the
 * effect but ends the span as a success, with the attribute `outcome` set to its `_tag`.
 *
 * @since 0.2.0
 * @category spans
 */
export const span: (
  name: string,
  attributes?: Record<string, unknown>,
  expected?: (error: unknown) => boolean
) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> = spanEffect

/**
 * `span` for one request to a store, under which nothing else is traced: the span is not made the parent of what
 * runs inside it (the request's own SDK call runs in the operation's span), which makes it about half as costly.
 *
 * @since 0.2.0
 * @category spans
 */
export const requestSpan: (
  name: string,
  attributes?: Record<string, unknown>,
  expected?: (error: unknown) => boolean
) => <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> = leafSpanEffect
