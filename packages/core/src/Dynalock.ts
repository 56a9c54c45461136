/**
 * Builds the `KeyValueStore` and `Locker` services over a storage backend. Backends (the DynamoDB layer,
 * the memory layer) call this; applications use the backends' own `layer`/`make`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import { makeKeyValueStore } from "./internal/keyValueStore.js"
import { makeLocker } from "./internal/lock/locker.js"
import type { LockerSettings } from "./internal/lock/settings.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { Locker } from "./Locker.js"
import type { Storage } from "./Storage.js"

export type { LockerSettings } from "./internal/lock/settings.js"

/**
 * Options common to every backend.
 *
 * @since 0.1.0
 */
export interface DynalockOptions {
  readonly lock?: LockerSettings
}

/**
 * The two services of one client.
 *
 * @since 0.1.0
 */
export interface Services {
  readonly store: KeyValueStore["Type"]
  readonly locker: Locker["Type"]
}

/**
 * The services over one storage backend. Each call is one independent client: its own owner tokens and its own
 * local coordination of waiters.
 *
 * @since 0.1.0
 */
export const make = (storage: Storage, options?: DynalockOptions): Effect.Effect<Services, never, Scope.Scope> =>
  Effect.map(makeLocker(storage, options?.lock ?? {}), (locker) => ({ store: makeKeyValueStore(storage), locker }))

/**
 * A layer of both services from a scoped effect that builds the backend.
 *
 * @since 0.1.0
 */
export const layer = <E, R>(
  storage: Effect.Effect<Storage, E, R>,
  options?: DynalockOptions
): Layer.Layer<KeyValueStore | Locker, E, Exclude<R, Scope.Scope>> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const services = yield* make(yield* storage, options)
      return Context.make(KeyValueStore, services.store).pipe(Context.add(Locker, services.locker))
    })
  )
