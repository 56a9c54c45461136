/** A story's log: each line prefixed with the seconds since the story began, so that waits can be read off it. */
import { Clock, Console, Effect } from "effect"

/** Prints one line of the story. */
export type Say = (line: string) => Effect.Effect<void>

/** A log whose clock starts now. */
export const start: Effect.Effect<Say> = Effect.map(
  Clock.currentTimeMillis,
  (t0) => (line) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Console.log(`${((now - t0) / 1000).toFixed(2).padStart(6)}s  ${line}`)
    )
)
