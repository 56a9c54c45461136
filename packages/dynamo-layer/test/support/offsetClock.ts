/** A clock that reads another clock with an offset: a client whose clock is off by that much. */
import { Clock, Effect } from "effect"

/** `base`, read `offsetMillis` ahead (behind if negative); its sleeps are the base clock's. */
export const offsetClock = (base: Clock.Clock, offsetMillis: number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + offsetMillis,
  unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offsetMillis) * 1_000_000n,
  currentTimeMillis: Effect.map(base.currentTimeMillis, (now) => now + offsetMillis),
  currentTimeNanos: Effect.map(base.currentTimeNanos, (now) => now + BigInt(offsetMillis) * 1_000_000n),
  sleep: (duration) => base.sleep(duration)
})

/** Runs `effect` with its clock `offsetMillis` off the current one. */
export const withClockOffset =
  (offsetMillis: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.clock, (base) => Effect.withClock(effect, offsetClock(base, offsetMillis)))
