/**
 * The key/value store service.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Schema, Stream } from "effect"
import { Context } from "effect"
import type { InvalidInput, KeyExists, KeyModified, KeyNotFound, StoreError } from "./Errors.js"
import type { KVPair, PreviousPair, TypedPair, Value } from "./KVPair.js"

/**
 * @since 0.1.0
 * @category options
 */
export interface ReadOptions {
  /** Strongly consistent read; default true. */
  readonly consistent?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category options
 */
export interface WriteOptions {
  /** Time to live; absent = never expires. */
  readonly ttl?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 * @category options
 */
export interface AtomicPutOptions extends WriteOptions {
  /** The item as read before: the write succeeds only if it is still that version and unexpired. */
  readonly previous?: PreviousPair | undefined
}

/**
 * The store's operations over values of type `A` encoded by a `Schema` (`KeyValueStoreService.forSchema`); each
 * behaves as its namesake in {@link KeyValueStoreService}.
 * A stored value that does not decode fails with `StoreError { reason: "Validation" }`. A `null` where the schema
 * does not accept one reads as the zero value of the type there ("", 0, false, [], {}, empty bytes), as Go reads it:
 * Go dynalock's encoder stores empty strings, nil slices and nil maps as `NULL`.
 *
 * @since 0.1.0
 * @category services
 */
export interface SchemaStore<A> {
  readonly partition: string
  readonly get: (
    key: string,
    options?: ReadOptions
  ) => Effect.Effect<TypedPair<A>, KeyNotFound | InvalidInput | StoreError>
  readonly exists: (key: string, options?: ReadOptions) => Effect.Effect<boolean, InvalidInput | StoreError>
  readonly put: (
    key: string,
    value: A,
    options?: WriteOptions
  ) => Effect.Effect<TypedPair<A>, InvalidInput | StoreError>
  readonly delete: (key: string) => Effect.Effect<void, InvalidInput | StoreError>
  readonly list: (
    prefix: string,
    options?: ReadOptions
  ) => Effect.Effect<ReadonlyArray<TypedPair<A>>, InvalidInput | StoreError>
  readonly stream: (prefix: string, options?: ReadOptions) => Stream.Stream<TypedPair<A>, InvalidInput | StoreError>
  readonly atomicPut: (
    key: string,
    value: A,
    options?: AtomicPutOptions
  ) => Effect.Effect<TypedPair<A>, KeyExists | KeyModified | InvalidInput | StoreError>
  readonly atomicDelete: (
    key: string,
    previous: PreviousPair
  ) => Effect.Effect<void, KeyNotFound | KeyModified | InvalidInput | StoreError>
}

/**
 * The operations of the `KeyValueStore` service. Expired items are invisible to every operation; DynamoDB's own TTL
 * deletion only collects them later.
 *
 * @since 0.2.0
 * @category services
 */
export interface KeyValueStoreService {
  /** The partition (DynamoDB attribute `id`) this store reads and writes. */
  readonly partition: string
  /** The live item of `key`; `KeyNotFound` if it is missing or expired. Reads are strongly consistent by default. */
  readonly get: (key: string, options?: ReadOptions) => Effect.Effect<KVPair, KeyNotFound | InvalidInput | StoreError>
  /** Whether `key` has a live item. */
  readonly exists: (key: string, options?: ReadOptions) => Effect.Effect<boolean, InvalidInput | StoreError>
  /**
   * Writes `value` whether or not the key exists (an upsert). The version keeps counting across upserts; a put
   * without `ttl` removes any earlier expiry.
   */
  readonly put: (key: string, value: Value, options?: WriteOptions) => Effect.Effect<KVPair, InvalidInput | StoreError>
  /** Deletes `key`'s item; succeeds when there is none. */
  readonly delete: (key: string) => Effect.Effect<void, InvalidInput | StoreError>
  /** The live items whose keys begin with `prefix`, every page read; `[]` when there are none. */
  readonly list: (
    prefix: string,
    options?: ReadOptions
  ) => Effect.Effect<ReadonlyArray<KVPair>, InvalidInput | StoreError>
  /** As `list`, lazily: a page is read when the stream needs it. */
  readonly stream: (prefix: string, options?: ReadOptions) => Stream.Stream<KVPair, InvalidInput | StoreError>
  /**
   * A conditional write. Without `previous` it creates the item (`KeyExists` if a live one exists; an expired one is
   * overwritten); with `previous` it succeeds only if the item is still that version and unexpired (`KeyModified`).
   */
  readonly atomicPut: (
    key: string,
    value: Value,
    options?: AtomicPutOptions
  ) => Effect.Effect<KVPair, KeyExists | KeyModified | InvalidInput | StoreError>
  /**
   * Deletes the item only if it is still the version `previous` read and unexpired: `KeyNotFound` if it is gone or
   * expired, `KeyModified` if it was written since.
   */
  readonly atomicDelete: (
    key: string,
    previous: PreviousPair
  ) => Effect.Effect<void, KeyNotFound | KeyModified | InvalidInput | StoreError>
  /** The same operations with values typed by a schema whose encoded side is JSON-compatible (bytes allowed). */
  readonly forSchema: <A, I>(schema: Schema.Schema<A, I>) => SchemaStore<A>
}

/**
 * A key/value store bound to one table and one partition: the tag of a {@link KeyValueStoreService}.
 *
 * @since 0.1.0
 * @category services
 * @hideconstructor
 */
export class KeyValueStore extends Context.Tag("@dynalock/core/KeyValueStore")<KeyValueStore, KeyValueStoreService>() {}
