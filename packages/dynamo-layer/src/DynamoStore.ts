/**
 * `KeyValueStore` and `Locker` on Amazon DynamoDB. This module only translates the storage contract of
 * `@dynalock/core` into DynamoDB requests, maps errors and owns the client's lifetime: every key/value and lock
 * semantic lives in core, shared with the in-memory layer.
 *
 * Items are Go dynalock's (`id`, `name`, `version`, `expires`, `payload`), so both can share a table; the lock
 * adds `expiresMs`, `owner`, `fence`, `ticket` and `served` (see the package README).
 *
 * @since 0.1.0
 */
import type { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { Config, Effect, Either, Layer } from "effect"
import type { ConfigError, Duration, Schedule, Scope } from "effect"
import { Dynalock } from "@dynalock/core"
import type { KeyValueStore, Locker, Storage, StoreError } from "@dynalock/core"
import { acquireClient, defaultRetry, defaultTimeout, makeRequester } from "./internal/client.js"
import { checkRequestOptions } from "./internal/options.js"
import { makeStorage } from "./internal/storage.js"
import { createTable as createTableWith } from "./internal/table.js"

/**
 * How requests are sent.
 *
 * @since 0.1.0
 */
export interface RequestOptions {
  /**
   * A client, or the configuration of one. Default: a client from the standard AWS environment (region,
   * credentials, endpoint). A client made here is destroyed when the layer's scope closes; a client passed in
   * is left alone. Either way the SDK's own retries are off for dynalock's requests: `retry` replaces them.
   */
  readonly client?: DynamoDBClient | DynamoDBClientConfig
  /**
   * How to space retries of throttled and transient failures; its recurrences bound them. Default: exponential
   * from 25 ms, jittered, each wait capped at 2 s, at most 8 retries. Writes that may have been applied (a
   * timeout, a broken connection, a 5xx) are never resent: they fail with `StoreError` and core reconciles.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown>
  /** How long one attempt may wait for an answer before it is aborted (`StoreError` reason `Timeout`). Default 5 seconds. */
  readonly requestTimeout?: Duration.DurationInput
}

/**
 * Options of one store: the table, the partition its keys live in, and how requests are sent.
 *
 * @since 0.1.0
 */
export interface DynamoStoreOptions extends RequestOptions {
  readonly tableName: string
  /** All keys of this store (and its locks) live in this partition (the `id` attribute). */
  readonly partition: string
  /** Settings every client sharing the table must agree on. */
  readonly lock?: Dynalock.LockerSettings
}

/**
 * Options of `createTable`.
 *
 * @since 0.1.0
 */
export interface CreateTableOptions extends RequestOptions {
  readonly tableName: string
  /**
   * Enable TTL on `expires` (default true): DynamoDB then deletes expired items, eventually. Expiry is enforced
   * by dynalock either way; TTL only collects the garbage.
   */
  readonly timeToLive?: boolean
}

// Bad options never make building fail: the problem is reported by every operation (core reports an empty table
// name or partition as InvalidInput before any request; the rest fail as StoreError reason Configuration).
const requesterOf = (options: RequestOptions & { readonly tableName: string }) =>
  Either.match(checkRequestOptions(options), {
    onLeft: (problem) =>
      Effect.succeed(makeRequester(Either.left(problem), options?.tableName, { retry: defaultRetry, timeout: defaultTimeout })),
    onRight: ({ client, settings }) => Effect.map(acquireClient(client), (made) => makeRequester(made, options.tableName, settings))
  })

const storageOf = (options: DynamoStoreOptions): Effect.Effect<Storage.Storage, never, Scope.Scope> =>
  Effect.map(requesterOf(options), (requester) => makeStorage(requester, options.partition))

const dynalockOptions = (options: DynamoStoreOptions): Dynalock.DynalockOptions =>
  options.lock === undefined ? {} : { lock: options.lock }

/**
 * One independent client (its own owner tokens and local waiter coordination) on a DynamoDB table partition.
 * A DynamoDB client made here lives as long as the scope.
 *
 * @since 0.1.0
 */
export const make = (options: DynamoStoreOptions): Effect.Effect<Dynalock.Services, never, Scope.Scope> =>
  Effect.flatMap(storageOf(options), (storage) => Dynalock.make(storage, dynalockOptions(options))).pipe(
    Effect.withSpan("DynamoStore.make")
  )

/**
 * Both services on a DynamoDB table partition.
 *
 * @since 0.1.0
 */
export const layer = (options: DynamoStoreOptions): Layer.Layer<KeyValueStore | Locker> =>
  Dynalock.layer(storageOf(options), dynalockOptions(options))

/**
 * Both services, with options read from configuration, e.g.
 * `layerConfig({ tableName: Config.string("DYNALOCK_TABLE"), partition: Config.succeed("jobs") })`.
 *
 * @since 0.1.0
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
 */
export const createTable = (options: CreateTableOptions): Effect.Effect<void, StoreError> =>
  Effect.scoped(Effect.flatMap(requesterOf(options), (requester) => createTableWith(requester, options.timeToLive !== false)))
