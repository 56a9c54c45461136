/**
 * One acquisition of a lease of any kind: wait for it, and whatever ends the wait without it, leave nothing behind;
 * with it, hold it in the caller's scope. Only the wait is interruptible.
 */
import { Cause, Effect, Exit, Option } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, StoreError } from "../../Errors.js"
import { count, lockAcquisitions, lockWait, time } from "../../Observability.js"
import { leaveNothingBehind } from "./cleanup.js"
import type { Grant, LockContext } from "./context.js"
import { noFootprint } from "./footprint.js"
import type { FootprintCell } from "./footprint.js"
import type { Kind } from "./kind.js"
import type { ResolvedLockOptions } from "./options.js"
import { newOwnerToken } from "./token.js"
import { obtain } from "./waiter.js"

/** How an acquisition ended, for `dynalock_lock_acquisitions_total`. */
const outcomeOf = (cause: Cause.Cause<AcquireCancelled | InvalidInput | StoreError>): string =>
  Option.match(Cause.failureOption(cause), {
    onNone: () => (Cause.isInterruptedOnly(cause) ? "interrupted" : "defect"),
    onSome: (error) => {
      switch (error._tag) {
        case "AcquireCancelled":
          return cancelled[error.reason]
        case "InvalidInput":
          return "invalid_input"
        case "StoreError":
          return "store_error"
      }
    }
  })

const cancelled = { Timeout: "timeout", Held: "held", ScheduleExhausted: "schedule_exhausted", Late: "late" } as const

/** The checks before a wait, whose refusals count as acquisitions that ended with `invalid_input` (or `store_error`). */
export const checkedBeforeWait =
  (kind: Kind["name"]) =>
  <A, R>(checks: Effect.Effect<A, InvalidInput | StoreError, R>): Effect.Effect<A, InvalidInput | StoreError, R> =>
    Effect.tapError(checks, (error) =>
      count(lockAcquisitions, { kind, outcome: error._tag === "InvalidInput" ? "invalid_input" : "store_error" })
    )

export const acquireWith = <L>(
  context: LockContext,
  key: string,
  options: ResolvedLockOptions,
  kindFor: (token: string) => Kind,
  hold: (grant: Grant) => Effect.Effect<L, never, Scope.Scope>
): Effect.Effect<L, AcquireCancelled | InvalidInput | StoreError, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const clock = yield* Effect.clock
      const started = clock.unsafeCurrentTimeMillis()
      const token = newOwnerToken()
      const footprint: FootprintCell = { current: noFootprint }
      const kind = kindFor(token)
      const waited = yield* Effect.exit(restore(obtain(context, key, token, options, footprint, kind, clock)))
      if (Exit.isFailure(waited)) {
        // Whatever stopped the wait, it must leave no lease and no place in line behind.
        yield* leaveNothingBehind(context, key, token, footprint.current, kind)
        yield* count(lockAcquisitions, { kind: kind.name, outcome: outcomeOf(waited.cause) })
        return yield* Effect.failCause(waited.cause)
      }
      const now = clock.unsafeCurrentTimeMillis()
      yield* count(lockAcquisitions, { kind: kind.name, outcome: "acquired" })
      yield* time(lockWait, now - started, { kind: kind.name })
      return yield* hold(waited.value)
    })
  )
