/** Who SIGINT and SIGTERM are for: dynalock itself, or the command it runs. */
import { Context } from "effect"
import type { Effect, Scope } from "effect"

/** The signals dynalock handles. */
export type StopSignal = "SIGINT" | "SIGTERM"

/** Every stop signal, for installing handlers. */
export const stopSignals: ReadonlyArray<StopSignal> = ["SIGINT", "SIGTERM"]

/**
 * By default a stop signal interrupts the program (a waiting `acquire` stops, nothing is left behind). While a
 * command runs under the lock, its signals are its own: dynalock forwards them and lets the command decide, and
 * keeps the lock until the command has exited.
 */
export class Signals extends Context.Tag("@dynalock/cli/Signals")<
  Signals,
  {
    /** While the scope is open, stop signals go to `handler` instead of interrupting the program. */
    readonly forward: (handler: (signal: StopSignal) => void) => Effect.Effect<void, never, Scope.Scope>
  }
>() {}
