/** Bounding clean-up work in time, where Effect's `timeout` alone would not. */
import { Effect } from "effect"
import type { Duration } from "effect"

/**
 * Runs `effect` for at most `duration`, also inside an uninterruptible region (a finalizer, the clean-up of an
 * interrupted wait). There `Effect.timeout` would wait for the effect to finish, since it may not be interrupted:
 * made interruptible, it runs in the timeout's own fiber, which the caller's pending interruption does not reach,
 * and the timeout can stop it.
 */
export const bounded = <A, E, R>(effect: Effect.Effect<A, E, R>, duration: Duration.DurationInput) =>
  Effect.timeout(Effect.interruptible(effect), duration)
