/** Client-wide lock settings: the assumptions every client sharing a table must agree on. */
import { Effect } from "effect"
import type { Duration } from "effect"
import type { InvalidInput } from "../../Errors.js"
import { validateDuration } from "../validation.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface LockerSettings {
  /**
   * The largest difference between the clocks of any two clients sharing the table (default 1 second). A lease
   * that expired by the writer's clock is taken over only once it has also expired by this margin, so mutual
   * exclusion holds while clocks differ by less than this.
   */
  readonly maxClockSkew?: Duration.DurationInput | undefined
  /**
   * How long a waiter's place in line lasts unless it renews it (default 2 seconds); waiters renew theirs at
   * least twice per period. A waiter that crashed is skipped once its place lapses, so crashed waiters delay a
   * free lock by at most `queueGrace + maxClockSkew` in all, however many there are.
   */
  readonly queueGrace?: Duration.DurationInput | undefined
  /**
   * How long a waiting `acquire` rides out a store that keeps failing transiently (throttled, unreachable, timing
   * out) before it fails with the last `StoreError` (default 10 seconds). Counted from the first request of an
   * unbroken run of failures; any answer from the store starts it again.
   */
  readonly maxStoreOutage?: Duration.DurationInput | undefined
}

/** Settings in milliseconds. */
export interface Settings {
  readonly skew: number
  readonly grace: number
  readonly outage: number
}

export const defaultSettings: Settings = { skew: 1000, grace: 2000, outage: 10_000 }

/** The settings in milliseconds, or why they are unusable. */
export const resolveSettings = (settings: LockerSettings): Effect.Effect<Settings, InvalidInput> =>
  Effect.all({
    skew:
      settings.maxClockSkew === undefined
        ? Effect.succeed(defaultSettings.skew)
        : validateDuration("maxClockSkew", settings.maxClockSkew, undefined, true),
    grace:
      settings.queueGrace === undefined
        ? Effect.succeed(defaultSettings.grace)
        : validateDuration("queueGrace", settings.queueGrace),
    outage:
      settings.maxStoreOutage === undefined
        ? Effect.succeed(defaultSettings.outage)
        : validateDuration("maxStoreOutage", settings.maxStoreOutage, undefined, true)
  })
