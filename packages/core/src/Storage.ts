/**
 * The storage contract: the one small interface a backend implements. All key/value and lock semantics
 * (expiry, versions, compare-and-set, the lock protocol) are built on it once, in core.
 *
 * It is a thin picture of DynamoDB single-item operations: a conditional UpdateItem, a conditional
 * DeleteItem, a GetItem and a paged Query over one partition. Backends must evaluate `Condition`s exactly
 * as {@link conditionHolds} does and apply an `UpdateRequest` atomically.
 *
 * @since 0.1.0
 */
import { Option } from "effect"
import type { Effect } from "effect"
import type { StoreError } from "./Errors.js"
import { payloadSize } from "./internal/itemSize.js"
import { limits, maxPayloadBytes, utf8Length } from "./internal/validation.js"

/**
 * A value that maps onto a native DynamoDB attribute (M, L, S, N, BOOL, NULL, B).
 *
 * @since 0.1.0
 */
export type NativeValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | ReadonlyArray<NativeValue>
  | { readonly [key: string]: NativeValue }

/**
 * The `payload` attribute of an item.
 * - `Bytes`: a `B` attribute (what `put` writes).
 * - `Text`: an `S` attribute (Go dynalock's base64 `WriteWithBytes`, or a schema value encoded to a string).
 * - `Native`: any other attribute (M, L, N, BOOL, NULL), as written by `forSchema`.
 *
 * @since 0.1.0
 */
export type Payload =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Native"; readonly value: NativeValue }

/**
 * The lock attributes of an item (absent on plain key/value items).
 *
 * @since 0.1.0
 */
export interface LockAttributes {
  /** Owner token of the current lease holder (`owner`); none when released or never locked. */
  readonly owner: Option.Option<string>
  /** Last fencing token handed out (`fence`); 0 when never locked. */
  readonly fence: number
  /** Last waiting ticket handed out (`ticket`); 0 when none. */
  readonly ticket: number
  /** Last ticket that was served or skipped (`served`); 0 when none. */
  readonly served: number
}

/**
 * An item as stored, whether live or expired: backends never filter expired items, core does.
 *
 * @since 0.1.0
 */
export interface StoredItem {
  readonly key: string
  readonly version: number
  /**
   * Expiry in epoch milliseconds: the `expiresMs` attribute, or `expires` (epoch seconds, as Go dynalock
   * writes it) times 1000 when `expiresMs` is absent.
   */
  readonly expiresAt: Option.Option<number>
  readonly payload: Payload
  readonly lock: LockAttributes
}

/**
 * The condition of a write. `now` is the writer's clock in epoch milliseconds: DynamoDB has no clock of
 * its own in conditions.
 *
 * @since 0.1.0
 */
export type Condition =
  /** No condition. */
  | { readonly _tag: "Always" }
  /** The item is absent, or expired at `now`. */
  | { readonly _tag: "NotLive"; readonly now: number }
  /** The item exists with exactly this version and is not expired at `now`. */
  | { readonly _tag: "LiveVersion"; readonly version: number; readonly now: number }
  /** The item exists with exactly this version (whatever its expiry), or is absent when `version` is none. */
  | { readonly _tag: "Version"; readonly version: Option.Option<number> }
  /** The item exists and its `owner` attribute equals `owner`. */
  | { readonly _tag: "Owner"; readonly owner: string }

/**
 * An atomic single-item upsert. Every applied update also does `version = if_not_exists(version, 0) + 1`.
 * A field left `undefined` keeps the stored attribute.
 *
 * @since 0.1.0
 */
export interface UpdateRequest {
  readonly key: string
  readonly condition: Condition
  /** `Empty` removes the payload attribute. */
  readonly payload?: Payload
  /** Epoch milliseconds; none removes the expiry. Backends write `expiresMs` and `expires` (seconds, rounded up). */
  readonly expiresAt?: Option.Option<number>
  /** Some sets the owner token, none removes it. */
  readonly owner?: Option.Option<string>
  /** When set: `fence = if_not_exists(fence, fenceSeed) + 1`. */
  readonly fenceSeed?: number
  /** When true: `ticket = if_not_exists(ticket, 0) + 1`. */
  readonly takeTicket?: boolean
  /** Sets `served`. */
  readonly served?: number
}

/**
 * An atomic single-item delete.
 *
 * @since 0.1.0
 */
export interface DeleteRequest {
  readonly key: string
  readonly condition: Condition
}

/**
 * The outcome of a conditional write. `Rejected` carries the item as it was when the condition failed
 * (DynamoDB's `ReturnValuesOnConditionCheckFailure`, or a consistent read where that is not supported).
 *
 * @since 0.1.0
 */
export type WriteOutcome =
  | { readonly _tag: "Applied"; readonly item: Option.Option<StoredItem> }
  | { readonly _tag: "Rejected"; readonly current: Option.Option<StoredItem> }

/**
 * One page of a prefix query, in DynamoDB's sort-key order (UTF-8 bytes).
 *
 * @since 0.1.0
 */
export interface QueryPage {
  readonly items: ReadonlyArray<StoredItem>
  /** The last evaluated key, to pass as `after` for the next page; none on the last page. */
  readonly next: Option.Option<string>
}

/**
 * @since 0.1.0
 */
export interface QueryRequest {
  /** Keys beginning with this prefix; "" for the whole partition. */
  readonly prefix: string
  readonly consistent: boolean
  /** Start after this key (exclusive). */
  readonly after: Option.Option<string>
  /** At most this many items in the page (the page also ends at 1 MB of data, as DynamoDB's does). */
  readonly limit?: number
}

/**
 * The storage contract. One instance is bound to one table and one partition.
 *
 * @since 0.1.0
 */
export interface Storage {
  /** Table (or memory table) name, for error messages. */
  readonly table: string
  readonly partition: string
  /** GetItem. */
  readonly get: (key: string, consistent: boolean) => Effect.Effect<Option.Option<StoredItem>, StoreError>
  /** UpdateItem with a condition; on success `item` is the item after the update. */
  readonly update: (request: UpdateRequest) => Effect.Effect<WriteOutcome, StoreError>
  /** DeleteItem with a condition; on success `item` is the deleted item, if there was one. */
  readonly delete: (request: DeleteRequest) => Effect.Effect<WriteOutcome, StoreError>
  /** Query with `begins_with` on the key. */
  readonly query: (request: QueryRequest) => Effect.Effect<QueryPage, StoreError>
}

/**
 * No lock attributes.
 *
 * @since 0.1.0
 */
export const noLock: LockAttributes = { owner: Option.none(), fence: 0, ticket: 0, served: 0 }

/**
 * Whether an item is expired at `now` (epoch ms). An item whose expiry equals `now` is expired.
 *
 * @since 0.1.0
 */
export const isExpired = (item: StoredItem, now: number): boolean =>
  Option.isSome(item.expiresAt) && item.expiresAt.value <= now

/**
 * The reference meaning of a condition. Backends must agree with it exactly; the conformance suite checks.
 *
 * @since 0.1.0
 */
export const conditionHolds = (condition: Condition, current: Option.Option<StoredItem>): boolean => {
  switch (condition._tag) {
    case "Always":
      return true
    case "NotLive":
      return Option.isNone(current) || isExpired(current.value, condition.now)
    case "LiveVersion":
      return (
        Option.isSome(current) &&
        current.value.version === condition.version &&
        !isExpired(current.value, condition.now)
      )
    case "Version":
      return Option.isNone(condition.version)
        ? Option.isNone(current)
        : Option.isSome(current) && current.value.version === condition.version.value
    case "Owner":
      return (
        Option.isSome(current) &&
        Option.isSome(current.value.lock.owner) &&
        current.value.lock.owner.value === condition.owner
      )
  }
}

/**
 * The `expires` attribute (epoch seconds, DynamoDB's TTL attribute) for an expiry in epoch milliseconds:
 * rounded up so that DynamoDB never collects an item before it expired.
 *
 * @since 0.1.0
 */
export const expiresSeconds = (expiresAtMillis: number): number => Math.ceil(expiresAtMillis / 1000)

/**
 * The size DynamoDB counts for an item of this partition (an upper bound: numbers count their maximum), for
 * backends that page like DynamoDB's 1 MB query pages.
 *
 * @since 0.1.0
 */
export const itemSize = (partition: string, item: StoredItem): number =>
  utf8Length(partition) + utf8Length(item.key) + payloadSize(item.payload) + limits.itemOverheadBytes

/**
 * The largest item DynamoDB accepts, in bytes.
 *
 * @since 0.1.0
 */
export const maxItemBytes: number = limits.maxItemBytes

/**
 * The largest payload that fits in one item with this partition and key (what `put` accepts).
 *
 * @since 0.1.0
 */
export const maxPayloadSize = (partition: string, key: string): number => maxPayloadBytes(partition, key)
