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
 */
export interface ReadOptions {
  /** Strongly consistent read; default true. */
  readonly consistent?: boolean | undefined
}

/**
 * @since 0.1.0
 */
export interface WriteOptions {
  /** Time to live; absent = never expires. */
  readonly ttl?: Duration.DurationInput | undefined
}

/**
 * @since 0.1.0
 */
export interface AtomicPutOptions extends WriteOptions {
  /** The item as read before: the write succeeds only if it is still that version and unexpired. */
  readonly previous?: PreviousPair | undefined
}

/**
 * The store's operations over values of type `A` encoded by a `Schema` (see `KeyValueStore.forSchema`).
 * A stored value that does not decode fails with `StoreError { reason: "Validation" }`. A `null` where the schema
 * does not accept one reads as the zero value of the type there ("", 0, false, [], {}, empty bytes), as Go reads it:
 * Go dynalock's encoder stores empty strings, nil slices and nil maps as `NULL`.
 *
 * @since 0.1.0
 */
export interface SchemaStore<A> {
  readonly partition: string
  readonly get: (
    key: string,
    options?: ReadOptions
  ) => Effect.Effect<TypedPair<A>, KeyNotFound | InvalidInput | StoreError>
  readonly exists: (key: string, options?: ReadOptions) => Effect.Effect<boolean, InvalidInput | StoreError>
  readonly put: (key: string, value: A, options?: WriteOptions) => Effect.Effect<TypedPair<A>, InvalidInput | StoreError>
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
 * A key/value store bound to one table and one partition.
 *
 * @since 0.1.0
 */
export class KeyValueStore extends Context.Tag("@dynalock/core/KeyValueStore")<
  KeyValueStore,
  {
    readonly partition: string
    readonly get: (key: string, options?: ReadOptions) => Effect.Effect<KVPair, KeyNotFound | InvalidInput | StoreError>
    readonly exists: (key: string, options?: ReadOptions) => Effect.Effect<boolean, InvalidInput | StoreError>
    readonly put: (key: string, value: Value, options?: WriteOptions) => Effect.Effect<KVPair, InvalidInput | StoreError>
    readonly delete: (key: string) => Effect.Effect<void, InvalidInput | StoreError>
    readonly list: (
      prefix: string,
      options?: ReadOptions
    ) => Effect.Effect<ReadonlyArray<KVPair>, InvalidInput | StoreError>
    readonly stream: (prefix: string, options?: ReadOptions) => Stream.Stream<KVPair, InvalidInput | StoreError>
    readonly atomicPut: (
      key: string,
      value: Value,
      options?: AtomicPutOptions
    ) => Effect.Effect<KVPair, KeyExists | KeyModified | InvalidInput | StoreError>
    readonly atomicDelete: (
      key: string,
      previous: PreviousPair
    ) => Effect.Effect<void, KeyNotFound | KeyModified | InvalidInput | StoreError>
    /** The same operations with values typed by a schema whose encoded side is JSON-compatible (bytes allowed). */
    readonly forSchema: <A, I>(schema: Schema.Schema<A, I>) => SchemaStore<A>
  }
>() {}
