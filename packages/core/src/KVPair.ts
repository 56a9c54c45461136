/**
 * The data model of the store.
 *
 * @since 0.1.0
 */
import type { DateTime, Option } from "effect"

/**
 * A value to store. A string is stored as its UTF-8 bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Value = Uint8Array | string

/**
 * One item as read from the store.
 *
 * @since 0.1.0
 * @category models
 */
export interface KVPair {
  /** DynamoDB attribute `id`. */
  readonly partition: string
  /** DynamoDB attribute `name`. */
  readonly key: string
  /** 1 on creation, +1 on every successful write of the item. */
  readonly version: number
  /** `none` = never expires. */
  readonly expires: Option.Option<DateTime.Utc>
  /** Empty when the item has no payload. */
  readonly value: Uint8Array
}

/**
 * A read item whose value was decoded by a `Schema` (see `KeyValueStore.forSchema`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedPair<A> extends Omit<KVPair, "value"> {
  readonly value: A
}

/**
 * What `atomicPut`/`atomicDelete` need of an earlier read: a `KVPair` or a `TypedPair` both fit.
 *
 * @since 0.1.0
 * @category models
 */
export interface PreviousPair {
  readonly partition: string
  readonly key: string
  readonly version: number
}
