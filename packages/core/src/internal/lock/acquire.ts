/**
 * One acquisition of a lease of any kind: wait for it, and whatever ends the wait without it, leave nothing behind;
 * with it, hold it in the caller's scope. Only the wait is interruptible.
 */
import { Cause, Clock, Context, Effect, Option } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, StoreError } from "../../Errors.js"
import { count, lockAcquisitions, lockWait, unsafeRecord } from "../../Observability.js"
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
    Effect.tapError(checks, (error) => countRefusal(kind, error))

const countRefusal = (kind: Kind["name"], error: InvalidInput | StoreError) =>
  count(lockAcquisitions, { kind, outcome: error._tag === "InvalidInput" ? "invalid_input" : "store_error" })

/** An acquisition refused by a check before its wait (counted as `checkedBeforeWait` counts it). */
export const refusedBeforeWait = (kind: Kind["name"], error: InvalidInput | StoreError) =>
  Effect.zipRight(countRefusal(kind, error), Effect.fail(error))

export const acquireWith = <L>(
  context: LockContext,
  key: string,
  options: ResolvedLockOptions,
  kindFor: (token: string) => Kind,
  hold: (grant: Grant) => Effect.Effect<L, never, Scope.Scope>
): Effect.Effect<L, AcquireCancelled | InvalidInput | StoreError, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    // The start in one step of the fiber, its clock read synchronously (each `Clock.currentTimeMillis` costs two).
    Effect.withFiberRuntime((fiber) => {
      const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
      const started = clock.unsafeCurrentTimeMillis()
      const token = newOwnerToken()
      const footprint: FootprintCell = { current: noFootprint }
      const kind = kindFor(token)
      const tags = { kind: kind.name }
      return Effect.matchCauseEffect(restore(obtain(context, key, token, options, footprint, kind, clock)), {
        // Whatever stopped the wait, it must leave no lease and no place in line behind.
        onFailure: (cause) =>
          leaveNothingBehind(context, key, token, footprint.current, kind).pipe(
            Effect.zipRight(count(lockAcquisitions, { kind: kind.name, outcome: outcomeOf(cause) })),
            Effect.zipRight(Effect.failCause(cause))
          ),
        onSuccess: (grant) => {
          unsafeRecord(fiber, lockAcquisitions, 1, { kind: kind.name, outcome: "acquired" })
          unsafeRecord(fiber, lockWait, clock.unsafeCurrentTimeMillis() - started, tags)
          return hold(grant)
        }
      })
    })
  )
