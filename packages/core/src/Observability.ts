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
import { Duration, Effect, Metric } from "effect"
import type { Tracer } from "effect"

const waitBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000]

/**
 * Acquisitions of locks and permits by outcome: `acquired`, `timeout`, `held` (`wait: false`), `schedule_exhausted`,
 * `late`, `invalid_input`, `store_error`, `interrupted`; tagged with `kind` (`lock` or `semaphore`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockAcquisitions = Metric.counter("dynalock_lock_acquisitions_total", {
  description: "Lock and permit acquisitions, by outcome",
  incremental: true
})

/**
 * How long `acquire` waited, from the call to the lease (acquired ones only), in milliseconds.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockWait = Metric.timerWithBoundaries("dynalock_lock_wait", waitBoundaries, "Time from acquire to the lease")

/**
 * How long leases were held, from the grant to the release or the loss, in milliseconds.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockHold = Metric.timerWithBoundaries("dynalock_lock_hold", waitBoundaries, "Time a lease was held")

/**
 * Leases lost, by `reason`: `TakenOver`, `Expired`, `Vanished`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockLosses = Metric.counter("dynalock_lock_losses_total", { description: "Leases lost, by reason", incremental: true })

/**
 * Renewals by `outcome`: `renewed`, `lost`, `expired` (no answer in time).
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockRenewals = Metric.counter("dynalock_lock_renewals_total", { description: "Lease renewals, by outcome", incremental: true })

/**
 * Waiters that gave up and took their places out of line (`outcome`: `withdrawn`, or `left` when the store did not
 * answer in time and the place is left to lapse).
 *
 * @since 0.2.0
 * @category metrics
 */
export const lockWithdrawals = Metric.counter("dynalock_lock_withdrawals_total", {
  description: "Waiters that left the line, by outcome",
  incremental: true
})

/**
 * Requests to the store, every attempt, by `operation` (`GetItem`, `UpdateItem`, ...) and `outcome`: `ok`,
 * `condition_failed` (a conditional write refused: normal in a contended lock), `throttled`, and the `StoreError`
 * reason of any other failure in lower case (`timeout`, `unavailable`, ...). Counted by the DynamoDB layer.
 *
 * @since 0.2.0
 * @category metrics
 */
export const storeRequests = Metric.counter("dynalock_store_requests_total", {
  description: "Requests to the store, by operation and outcome",
  incremental: true
})

// Tagged metrics are made once per set of tags: making one hashes its key, too much for every operation.
const taggedCache = new WeakMap<object, Map<string, unknown>>()

const taggedWith = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, tags: Record<string, string>): Metric.Metric<Type, In, Out> => {
  let byTags = taggedCache.get(metric)
  if (byTags === undefined) {
    byTags = new Map()
    taggedCache.set(metric, byTags)
  }
  const cacheKey = Object.entries(tags).map(([key, value]) => `${key}=${value}`).join(",")
  let tagged = byTags.get(cacheKey) as Metric.Metric<Type, In, Out> | undefined
  if (tagged === undefined) {
    tagged = Object.entries(tags).reduce((current, [key, value]) => Metric.tagged(current, key, value), metric)
    byTags.set(cacheKey, tagged)
  }
  return tagged
}

/**
 * Adds one to `counter`, with these tags.
 *
 * @since 0.2.0
 * @category metrics
 */
export const count = (counter: Metric.Metric.Counter<number>, tags: Record<string, string>): Effect.Effect<void> =>
  Metric.increment(taggedWith(counter, tags))

/**
 * Records a duration in milliseconds in `timer`, with these tags.
 *
 * @since 0.2.0
 * @category metrics
 */
export const time = (
  timer: typeof lockWait,
  millis: number,
  tags: Record<string, string>
): Effect.Effect<void> =>
  Metric.update(taggedWith(timer, tags), Duration.millis(millis))

// The tracer a runtime has when nobody installed one: its spans go nowhere.
const builtIn = Effect.runSync(Effect.tracer)

/**
 * Runs the effect in a span `name` with these attributes, when a tracer is installed (see the module's comment). No
 * stack trace is captured: Effect's default takes a `new Error()` with every span; the span's name says where.
 *
 * @since 0.2.0
 * @category spans
 */
export const span =
  (name: string, attributes?: Record<string, unknown>) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>> =>
    Effect.tracerWith((tracer) =>
      tracer === builtIn
        ? (self as Effect.Effect<A, E, Exclude<R, Tracer.ParentSpan>>)
        : Effect.withSpan(self, name, { attributes, captureStackTrace: false })
    )
