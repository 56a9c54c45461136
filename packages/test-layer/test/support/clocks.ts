// Clients whose clocks differ: the same underlying (test) clock, read with an offset.
import { Clock, Effect } from "effect"

export const offsetClock = (base: Clock.Clock, offsetMillis: number): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => base.unsafeCurrentTimeMillis() + offsetMillis,
  unsafeCurrentTimeNanos: () => base.unsafeCurrentTimeNanos() + BigInt(offsetMillis) * 1_000_000n,
  currentTimeMillis: Effect.map(base.currentTimeMillis, (now) => now + offsetMillis),
  currentTimeNanos: Effect.map(base.currentTimeNanos, (now) => now + BigInt(offsetMillis) * 1_000_000n),
  sleep: (duration) => base.sleep(duration)
})

/** Runs `effect` as a client whose clock is `offsetMillis` ahead of the test clock (behind if negative). */
export const withClockOffset =
  (offsetMillis: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.clock, (base) => Effect.withClock(effect, offsetClock(base, offsetMillis)))
