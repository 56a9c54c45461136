/** Client-wide lock settings: the assumptions every client sharing a table must agree on. */
import type { Duration } from "effect"

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
   * It bounds the delay a crashed or vanished waiter can cause.
   */
  readonly queueGrace?: Duration.DurationInput
}
