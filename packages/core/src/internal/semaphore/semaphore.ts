/** The `DistributedSemaphore` handed out by `Locker.semaphore`: permits waited for, held and released as leases. */
import { Clock, Effect, Option, Scope } from "effect"
import { InvalidInput } from "../../Errors.js"
import type { StoreError } from "../../Errors.js"
import type { DistributedSemaphore } from "../../Locker.js"
import { acquireWith, checkedBeforeWait } from "../lock/acquire.js"
import type { LockContext } from "../lock/context.js"
import { resolveLockOptions } from "../lock/options.js"
import { freePermits, refusal } from "./decide.js"
import { semaphoreKind } from "./kind.js"
import { holdPermit } from "./permit.js"
import { operationSpanEffect as traced, spanEffect as tracedWithUserCode } from "../tracing.js"

/** Enough for any rate limit or pool; it keeps the holders list well within an item. */
const maxLimit = 1000

/** The limit as every client of the key must give it. */
export const validateLimit = (limit: unknown, key: string): Effect.Effect<number, InvalidInput> =>
  typeof limit === "number" && Number.isSafeInteger(limit) && limit >= 1 && limit <= maxLimit
    ? Effect.succeed(limit)
    : Effect.fail(
        new InvalidInput({
          message: `a semaphore's limit must be a whole number from 1 to ${maxLimit} (got ${String(limit)})`,
          key
        })
      )

const validatePermits = (permits: unknown, limit: number, key: string): Effect.Effect<number, InvalidInput> =>
  permits === undefined
    ? Effect.succeed(1)
    : typeof permits === "number" && Number.isSafeInteger(permits) && permits >= 1 && permits <= limit
      ? Effect.succeed(permits)
      : Effect.fail(
          new InvalidInput({
            message: `permits must be a whole number from 1 to the limit ${limit} (got ${String(permits)})`,
            key
          })
        )

/**
 * A semaphore of `limit` permits on `key`. `ready` checks the key, the limit and the client's settings: it runs
 * first in every operation, so that bad input fails each of them (the constructor itself cannot fail).
 */
export const makeSemaphore = (
  context: LockContext,
  key: string,
  limit: number,
  ready: Effect.Effect<string, InvalidInput>
): DistributedSemaphore => {
  const existing = context.semaphores
  const attributes = { key, limit, partition: context.storage.partition, table: context.storage.table }
  // Untraced: each public operation names its own span.
  const acquirePermits: DistributedSemaphore["acquire"] = (permits, options) =>
    Effect.gen(function* () {
      const { validKey, count, resolved } = yield* checkedBeforeWait("semaphore")(
        Effect.gen(function* () {
          const validKey = yield* ready
          const count = yield* validatePermits(permits, limit, validKey)
          if (options?.value !== undefined) {
            return yield* new InvalidInput({ message: "a semaphore's permits carry no value", key: validKey })
          }
          const resolved = yield* resolveLockOptions(context.storage.partition, validKey, options)
          return { validKey, count, resolved }
        })
      )
      return yield* acquireWith(
        context,
        validKey,
        resolved,
        (token) => semaphoreKind(validKey, token, resolved, count, limit, context.settings, existing),
        (grant) => holdPermit(context, grant, count)
      )
    })

  const acquire: DistributedSemaphore["acquire"] = (permits, options) =>
    acquirePermits(permits, options).pipe(
      traced("DistributedSemaphore.acquire", { ...attributes, permits: permits ?? 1 })
    )

  const tryAcquire: DistributedSemaphore["tryAcquire"] = (permits, options) =>
    acquirePermits(permits, { ...options, wait: false }).pipe(
      Effect.map(Option.some),
      Effect.catchTag("AcquireCancelled", () => Effect.succeed(Option.none())),
      traced("DistributedSemaphore.tryAcquire", { ...attributes, permits: permits ?? 1 })
    )

  const withPermits: DistributedSemaphore["withPermits"] = (permits, options) => (self) =>
    Effect.acquireUseRelease(
      Scope.make(),
      (scope) =>
        Scope.extend(acquirePermits(permits, options), scope).pipe(
          Effect.flatMap((permit) => Effect.raceFirst(self, permit.lost))
        ),
      (scope, exit) => Scope.close(scope, exit)
    ).pipe(tracedWithUserCode("DistributedSemaphore.withPermits", { ...attributes, permits: permits ?? 1 }))

  const available: Effect.Effect<number, InvalidInput | StoreError> = Effect.gen(function* () {
    const validKey = yield* ready
    const current = yield* context.storage.get(validKey, true)
    if (Option.isNone(current)) return limit
    const refused = refusal(current.value, limit)
    if (Option.isSome(refused)) return yield* new InvalidInput({ message: refused.value, key: validKey })
    return Math.max(0, freePermits(current.value, limit, yield* Clock.currentTimeMillis, context.settings))
  }).pipe(traced("DistributedSemaphore.available", attributes))

  return { key, limit, acquire, tryAcquire, withPermits, available }
}
