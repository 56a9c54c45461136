/**
 * `KeyValueStore` and `Locker` on Amazon DynamoDB. This module only translates the storage contract of
 * `@dynalock/core` into DynamoDB requests, maps errors and owns the client's lifetime: every key/value and lock
 * semantic lives in core, shared with the in-memory layer.
 *
 * Items are Go dynalock's (`id`, `name`, `version`, `expires`, `payload`), so both can share a table; dynalock adds
 * `stamp`, `expiresMs`, and for locks `owner`, `fence`, `line`, `since`, `hold`, and for semaphores `limit` and `holders`
 * (see the package README).
 *
 * @since 0.1.0
 */
import { Config, Effect, Layer } from "effect"
import type { ConfigError, Scope } from "effect"
import { Dynalock, Observability, Table } from "@dynalock/core"
import type { KeyValueStore, Locker, StoreError } from "@dynalock/core"
import * as DynamoTable from "./DynamoTable.js"
import type { RequestOptions } from "./DynamoTable.js"
import { createTable as createTableWith } from "./internal/table.js"

export type { RequestOptions } from "./DynamoTable.js"

/**
 * Options of one store: the table, the partition its keys live in, and how requests are sent.
 *
 * @since 0.1.0
 * @category options
 */
export interface DynamoStoreOptions extends RequestOptions {
  readonly tableName: string
  /** The keys of this store live in this partition (the `id` attribute). */
  readonly partition: string
  /**
   * The partition of the lock records; default `${partition}#locks`, so that no key/value write can touch a lock.
   * Set it to `partition` to share lock records with Go dynalock (see docs/dynamodb.md).
   */
  readonly lockPartition?: string | undefined
  /** Settings every client sharing the table must agree on. */
  readonly lock?: Dynalock.LockerSettings | undefined
}

/**
 * Options of `createTable`.
 *
 * @since 0.1.0
 * @category options
 */
export interface CreateTableOptions extends RequestOptions {
  readonly tableName: string
  /**
   * Enable TTL on `expires` (default true): DynamoDB then deletes expired items, eventually. Expiry is enforced
   * by dynalock either way; TTL only collects the garbage.
   */
  readonly timeToLive?: boolean | undefined
}

const dynalockOptions = (options: DynamoStoreOptions): Dynalock.DynalockOptions => ({
  partition: options?.partition,
  lockPartition: options?.lockPartition,
  lock: options?.lock
})

/**
 * One independent client (its own owner tokens and local waiter coordination) on a DynamoDB table partition.
 * A DynamoDB client made here lives as long as the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: DynamoStoreOptions): Effect.Effect<Dynalock.Services, never, Scope.Scope> =>
  Effect.flatMap(DynamoTable.make(options), (table) =>
    Effect.provideService(Dynalock.make(dynalockOptions(options)), Table.Table, table)
  ).pipe(Observability.span("DynamoStore.make"))

/**
 * Both services on a DynamoDB table partition.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: DynamoStoreOptions): Layer.Layer<KeyValueStore | Locker> =>
  Dynalock.layer(dynalockOptions(options)).pipe(Layer.provide(DynamoTable.layer(options)))

/**
 * Both services, with options read from configuration, e.g.
 * `layerConfig({ tableName: Config.string("DYNALOCK_TABLE"), partition: Config.succeed("jobs") })`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<DynamoStoreOptions>
): Layer.Layer<KeyValueStore | Locker, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))

/**
 * Creates a table in dynalock's format (`id` (S) partition key, `name` (S) sort key, on-demand billing), waits
 * until it is ACTIVE and enables TTL on `expires` where the server supports it (dynalite does not), unless
 * `timeToLive` is false. Succeeds when the table exists already.
 *
 * @since 0.1.0
 * @category tables
 */
export const createTable = (options: CreateTableOptions): Effect.Effect<void, StoreError> =>
  Effect.scoped(
    Effect.flatMap(DynamoTable.requester(options), (requester) =>
      createTableWith(requester, options.timeToLive !== false)
    )
  )
