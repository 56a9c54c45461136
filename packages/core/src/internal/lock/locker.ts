/** The `Locker` service over the storage contract. */
import { Effect, Exit, Option, Scope } from "effect"
import type { Locker } from "../../Locker.js"
import type { Storage } from "../../Storage.js"
import { partitionProblem, validateKey } from "../validation.js"
import { makeGate } from "./gate.js"
import { holdLease, releaseInStore } from "./lease.js"
import type { LeaseContext } from "./lease.js"
import { obtain } from "./obtain.js"
import type { Attempts } from "./obtain.js"
import { resolveLockOptions } from "./options.js"
import { resolveSettings } from "./settings.js"
import type { LockerSettings } from "./settings.js"
import { newOwnerToken } from "./token.js"

export const makeLocker = (storage: Storage, lockerSettings: LockerSettings): Effect.Effect<Locker["Type"], never, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = yield* Effect.either(resolveSettings(lockerSettings))
    const problem = partitionProblem(storage.partition, storage.table)
    const context: LeaseContext = { storage, gate: makeGate(), lastReleased: new Map() }

    const acquire: Locker["Type"]["acquire"] = (key, options) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          if (Option.isSome(problem)) return yield* problem.value
          const validSettings = yield* settings
          const validKey = yield* validateKey(key)
          const resolved = yield* resolveLockOptions(validKey, options)
          const token = newOwnerToken()
          const attempts: Attempts = { maybeOwner: false }
          const waited = yield* Effect.exit(restore(obtain(context, validSettings, validKey, token, resolved, attempts)))
          if (Exit.isFailure(waited)) {
            // Whatever stopped the wait, a write that may have made us the owner must not leave a lease behind.
            if (attempts.maybeOwner) {
              yield* releaseInStore(context, validKey, token).pipe(Effect.timeout("5 seconds"), Effect.ignoreLogged)
            }
            return yield* Effect.failCause(waited.cause)
          }
          return yield* holdLease(context, waited.value)
        })
      ).pipe(Effect.withSpan("Locker.acquire", { attributes: { key } }))

    const tryAcquire: Locker["Type"]["tryAcquire"] = (key, options) =>
      acquire(key, { ...options, wait: false }).pipe(
        Effect.map(Option.some),
        Effect.catchTag("AcquireCancelled", () => Effect.succeed(Option.none())),
        Effect.withSpan("Locker.tryAcquire", { attributes: { key } })
      )

    const withLock: Locker["Type"]["withLock"] = (key, options) => (self) =>
      Effect.acquireUseRelease(
        Scope.make(),
        (scope) =>
          Scope.extend(acquire(key, options), scope).pipe(Effect.flatMap((lock) => Effect.raceFirst(self, lock.lost))),
        (scope, exit) => Scope.close(scope, exit)
      ).pipe(Effect.withSpan("Locker.withLock", { attributes: { key } }))

    return { acquire, tryAcquire, withLock }
  })
