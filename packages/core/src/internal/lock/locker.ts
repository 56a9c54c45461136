/** The `Locker` service over the storage contract. */
import { Effect, Option, Scope } from "effect"
import type { Locker } from "../../Locker.js"
import type { Storage } from "../../Storage.js"
import type { InvalidInput } from "../../Errors.js"
import { keyProblem, partitionProblem, validatePrefix } from "../validation.js"
import * as Admin from "./admin.js"
import { makeSemaphore, validateLimit } from "../semaphore/semaphore.js"
import { acquireWith, checkedBeforeWait, refusedBeforeWait } from "./acquire.js"
import type { LockContext } from "./context.js"
import { makeGate } from "./gate.js"
import { makeKeyHints } from "./keyHints.js"
import { makeRenewals } from "./renewals.js"
import { holdLease } from "./lease.js"
import { lockKind } from "./lockKind.js"
import { defaultLockOptions, resolveLockOptions } from "./options.js"
import type { ResolvedLockOptions } from "./options.js"
import { defaultSettings, resolveSettings } from "./settings.js"
import type { LockerSettings } from "./settings.js"
import { operationSpanEffect as traced, spanEffect as tracedWithUserCode } from "../tracing.js"

export const makeLocker = (
  storage: Storage,
  lockerSettings: LockerSettings
): Effect.Effect<Locker["Type"], never, Scope.Scope> =>
  Effect.gen(function* () {
    const settings = yield* Effect.either(resolveSettings(lockerSettings))
    const problem = partitionProblem(storage.partition, storage.table)
    const context: LockContext = {
      storage,
      settings: settings._tag === "Right" ? settings.right : defaultSettings,
      gate: makeGate(),
      renewals: yield* makeRenewals,
      hints: makeKeyHints(),
      semaphores: new Set()
    }

    /** Checks shared by every operation, in one step: the partition, the settings and the key. */
    const refusal = (key: string): InvalidInput | undefined =>
      Option.isSome(problem) ? problem.value : settings._tag === "Left" ? settings.left : keyProblem(key)
    const usableKey = (key: string): Effect.Effect<string, InvalidInput> => {
      const refused = refusal(key)
      return refused === undefined ? Effect.succeed(key) : Effect.fail(refused)
    }

    // Untraced: each public operation names its own span.
    const acquireLock: Locker["Type"]["acquire"] = (key, options) => {
      const refused = refusal(key)
      if (refused !== undefined) return refusedBeforeWait("lock", refused)
      const waitWith = (resolved: ResolvedLockOptions) =>
        acquireWith(
          context,
          key,
          resolved,
          (token) => lockKind(key, token, resolved, context.settings),
          (grant) => holdLease(context, grant)
        )
      return options === undefined
        ? waitWith(defaultLockOptions)
        : Effect.flatMap(checkedBeforeWait("lock")(resolveLockOptions(storage.partition, key, options)), waitWith)
    }

    const acquire: Locker["Type"]["acquire"] = (key, options) =>
      acquireLock(key, options).pipe(
        traced("Locker.acquire", { key, partition: storage.partition, table: storage.table })
      )

    const tryAcquire: Locker["Type"]["tryAcquire"] = (key, options) =>
      acquireLock(key, { ...options, wait: false }).pipe(
        Effect.map(Option.some),
        Effect.catchTag("AcquireCancelled", () => Effect.succeed(Option.none())),
        traced("Locker.tryAcquire", { key, partition: storage.partition, table: storage.table })
      )

    const withLock: Locker["Type"]["withLock"] = (key, options) => (self) =>
      Effect.acquireUseRelease(
        Scope.make(),
        (scope) =>
          Scope.extend(acquireLock(key, options), scope).pipe(
            Effect.flatMap((lock) => Effect.raceFirst(Effect.isEffect(self) ? self : self(lock), lock.lost))
          ),
        (scope, exit) => Scope.close(scope, exit)
      ).pipe(tracedWithUserCode("Locker.withLock", { key, partition: storage.partition, table: storage.table }))

    const inspect: Locker["Type"]["inspect"] = (key) =>
      Effect.flatMap(usableKey(key), (valid) => Admin.inspect(context, valid)).pipe(
        traced("Locker.inspect", { key, partition: storage.partition, table: storage.table })
      )

    const list: Locker["Type"]["list"] = (prefix) =>
      Effect.gen(function* () {
        if (Option.isSome(problem)) return yield* problem.value
        yield* settings
        return yield* Admin.list(context, yield* validatePrefix(prefix))
      }).pipe(traced("Locker.list", { prefix, partition: storage.partition, table: storage.table }))

    const forceRelease: Locker["Type"]["forceRelease"] = (key) =>
      Effect.flatMap(usableKey(key), (valid) => Admin.forceRelease(context, valid)).pipe(
        traced("Locker.forceRelease", { key, partition: storage.partition, table: storage.table })
      )

    const semaphore: Locker["Type"]["semaphore"] = (key, limit) =>
      makeSemaphore(
        context,
        key,
        limit,
        Effect.flatMap(usableKey(key), (valid) => Effect.as(validateLimit(limit, valid), valid))
      )

    return { acquire, tryAcquire, withLock, inspect, list, forceRelease, semaphore }
  })
