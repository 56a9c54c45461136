/** The `Locker` service over the storage contract. */
import { Effect, Exit, Option, Ref, Scope } from "effect"
import type { Locker } from "../../Locker.js"
import type { Storage } from "../../Storage.js"
import { partitionProblem, validateKey, validatePrefix } from "../validation.js"
import * as Admin from "./admin.js"
import { leaveNothingBehind } from "./cleanup.js"
import type { LockContext } from "./context.js"
import { noFootprint } from "./footprint.js"
import type { Footprint } from "./footprint.js"
import { makeGate } from "./gate.js"
import { holdLease } from "./lease.js"
import { resolveLockOptions } from "./options.js"
import { defaultSettings, resolveSettings } from "./settings.js"
import type { LockerSettings } from "./settings.js"
import { newOwnerToken } from "./token.js"
import { obtain } from "./waiter.js"

export const makeLocker = (storage: Storage, lockerSettings: LockerSettings): Effect.Effect<Locker["Type"], never, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = yield* Effect.either(resolveSettings(lockerSettings))
    const problem = partitionProblem(storage.partition, storage.table)
    const context: LockContext = {
      storage,
      settings: settings._tag === "Right" ? settings.right : defaultSettings,
      gate: makeGate(),
      contended: new Set()
    }

    const acquire: Locker["Type"]["acquire"] = (key, options) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          if (Option.isSome(problem)) return yield* problem.value
          yield* settings
          const validKey = yield* validateKey(key)
          const resolved = yield* resolveLockOptions(storage.partition, validKey, options)
          const token = newOwnerToken()
          const footprint = yield* Ref.make<Footprint>(noFootprint)
          const waited = yield* Effect.exit(restore(obtain(context, validKey, token, resolved, footprint)))
          if (Exit.isFailure(waited)) {
            // Whatever stopped the wait, it must leave no lease and no place in line behind.
            yield* leaveNothingBehind(context, validKey, token, yield* Ref.get(footprint))
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
          Scope.extend(acquire(key, options), scope).pipe(
            Effect.flatMap((lock) => Effect.raceFirst(Effect.isEffect(self) ? self : self(lock), lock.lost))
          ),
        (scope, exit) => Scope.close(scope, exit)
      ).pipe(Effect.withSpan("Locker.withLock", { attributes: { key } }))

    /** Checks shared by the admin operations: the partition, the settings and the key. */
    const usableKey = (key: string) =>
      Effect.gen(function* () {
        if (Option.isSome(problem)) return yield* problem.value
        yield* settings
        return yield* validateKey(key)
      })

    const inspect: Locker["Type"]["inspect"] = (key) =>
      Effect.flatMap(usableKey(key), (valid) => Admin.inspect(context, valid)).pipe(
        Effect.withSpan("Locker.inspect", { attributes: { key } })
      )

    const list: Locker["Type"]["list"] = (prefix) =>
      Effect.gen(function* () {
        if (Option.isSome(problem)) return yield* problem.value
        yield* settings
        return yield* Admin.list(context, yield* validatePrefix(prefix))
      }).pipe(Effect.withSpan("Locker.list", { attributes: { prefix } }))

    const forceRelease: Locker["Type"]["forceRelease"] = (key) =>
      Effect.flatMap(usableKey(key), (valid) => Admin.forceRelease(context, valid)).pipe(
        Effect.withSpan("Locker.forceRelease", { attributes: { key } })
      )

    return { acquire, tryAcquire, withLock, inspect, list, forceRelease }
  })
