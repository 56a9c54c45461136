/**
 * One acquisition of a lease of any kind: wait for it, and whatever ends the wait without it, leave nothing behind;
 * with it, hold it in the caller's scope. Only the wait is interruptible.
 */
import { Effect, Exit, Ref } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, StoreError } from "../../Errors.js"
import { leaveNothingBehind } from "./cleanup.js"
import type { Grant, LockContext } from "./context.js"
import { noFootprint } from "./footprint.js"
import type { Footprint } from "./footprint.js"
import type { Kind } from "./kind.js"
import type { ResolvedLockOptions } from "./options.js"
import { newOwnerToken } from "./token.js"
import { obtain } from "./waiter.js"

export const acquireWith = <L>(
  context: LockContext,
  key: string,
  options: ResolvedLockOptions,
  kindFor: (token: string) => Kind,
  hold: (grant: Grant) => Effect.Effect<L, never, Scope.Scope>
): Effect.Effect<L, AcquireCancelled | InvalidInput | StoreError, Scope.Scope> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const token = newOwnerToken()
      const footprint = yield* Ref.make<Footprint>(noFootprint)
      const kind = kindFor(token)
      const waited = yield* Effect.exit(restore(obtain(context, key, token, options, footprint, kind)))
      if (Exit.isFailure(waited)) {
        // Whatever stopped the wait, it must leave no lease and no place in line behind.
        yield* leaveNothingBehind(context, key, token, yield* Ref.get(footprint), kind)
        return yield* Effect.failCause(waited.cause)
      }
      return yield* hold(waited.value)
    })
  )
