/** Client-wide lock settings: the assumptions every client sharing a table must agree on. */
import { Effect } from "effect"
import type { Duration } from "effect"
import type { InvalidInput } from "../../Errors.js"
import { validateDuration } from "../validation.js"

/**
 * @since 0.1.0
 */
export interface LockerSettings {
  /**
   * The largest difference between the clocks of any two clients sharing the table (default 1 second). A lease
   * that expired by the writer's clock is taken over only once it has also expired by this margin, so mutual
   * exclusion holds while clocks differ by less than this.
   */
  readonly maxClockSkew?: Duration.DurationInput
  /**
   * How long the first waiter in line has to claim a released lock before the next one may (default 2 seconds).
   * It bounds the delay a crashed or vanished waiter can cause; waiters in line poll at least twice per grace.
   */
  readonly queueGrace?: Duration.DurationInput
}

/** Settings in milliseconds. */
export interface Settings {
  readonly skew: number
  readonly grace: number
}

export const defaultSettings: Settings = { skew: 1000, grace: 2000 }

/** The settings in milliseconds, or why they are unusable. */
export const resolveSettings = (settings: LockerSettings): Effect.Effect<Settings, InvalidInput> =>
  Effect.all({
    skew:
      settings.maxClockSkew === undefined
        ? Effect.succeed(defaultSettings.skew)
        : validateDuration("maxClockSkew", settings.maxClockSkew, undefined, true),
    grace:
      settings.queueGrace === undefined ? Effect.succeed(defaultSettings.grace) : validateDuration("queueGrace", settings.queueGrace)
  })
