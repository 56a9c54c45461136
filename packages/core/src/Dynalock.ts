/**
 * Builds the `KeyValueStore` and `Locker` services over a `Table`. Backends (the DynamoDB layer, the memory layer)
 * provide the table; applications usually use the backends' own `layer`/`make`, which do both.
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
import { Table } from "./Table.js"

export type { LockerSettings } from "./internal/lock/settings.js"

/**
 * Where a client keeps its items, and how its locks behave.
 *
 * @since 0.2.0
 * @category models
 */
export interface DynalockOptions {
  /** The partition (DynamoDB attribute `id`) of the store's key/value items. */
  readonly partition: string
  /**
   * The partition of the lock records; default `${partition}#locks`, so that no key/value operation can touch a
   * lock record. Set it to `partition` to share lock records with Go dynalock, whose locks are ordinary items.
   */
  readonly lockPartition?: string | undefined
  /** Settings every client sharing the table must agree on. */
  readonly lock?: LockerSettings | undefined
}

/**
 * The two services of one client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Services {
  readonly store: KeyValueStore["Type"]
  readonly locker: Locker["Type"]
}

/**
 * The storage of a client's key/value items and of its lock records. One storage alone serves both (one
 * partition for both, as Go dynalock keeps them).
 *
 * @since 0.2.0
 * @category models
 */
export type Storages = Storage | { readonly store: Storage; readonly locks: Storage }

/**
 * The lock partition of a store's partition, when none is given.
 *
 * @since 0.2.0
 * @category constructors
 */
export const defaultLockPartition = (partition: string): string => `${partition}#locks`

/**
 * The services over storage given directly: one independent client, with its own owner tokens and its own local
 * coordination of waiters. The client lives as long as the scope: once it closes, its leases are no longer renewed.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeOn = (
  storages: Storages,
  options?: { readonly lock?: LockerSettings | undefined }
): Effect.Effect<Services, never, Scope.Scope> => {
  const { locks, store } = "store" in storages ? storages : { store: storages, locks: storages }
  return Effect.map(makeLocker(locks, options?.lock ?? {}), (locker) => ({ store: makeKeyValueStore(store), locker }))
}

/**
 * The services of one client over the `Table` in the context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: DynalockOptions): Effect.Effect<Services, never, Table | Scope.Scope> =>
  Effect.flatMap(Table, (table) => {
    // An unusable partition stays unusable for the locks too: both services then report it on every operation.
    const partition: unknown = options?.partition
    const locks =
      options?.lockPartition ??
      (typeof partition === "string" && partition.length > 0 ? defaultLockPartition(partition) : partition)
    return makeOn(
      { store: table.storage(partition as string), locks: table.storage(locks as string) },
      { lock: options?.lock }
    )
  })

/**
 * Both services, as a layer over the `Table` in the context.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: DynalockOptions): Layer.Layer<KeyValueStore | Locker, never, Table> =>
  Layer.scopedContext(
    Effect.map(make(options), (services) =>
      Context.make(KeyValueStore, services.store).pipe(Context.add(Locker, services.locker))
    )
  )
