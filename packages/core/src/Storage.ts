/**
 * The storage contract: the one small interface a backend implements. All key/value and lock semantics
 * (expiry, versions, compare-and-set, the lock protocol) are built on it once, in core.
 *
 * It is a thin picture of DynamoDB single-item operations: a conditional UpdateItem, a conditional
 * DeleteItem, a GetItem and a paged Query over one partition. Backends must evaluate `Condition`s exactly
 * as {@link conditionHolds} does and apply an `UpdateRequest` atomically, as {@link applyUpdate} does.
 *
 * @since 0.1.0
 */
import { Option } from "effect"
import type { Effect } from "effect"
import type { StoreError } from "./Errors.js"
import { payloadSize } from "./internal/itemSize.js"
import type { Payload } from "./internal/payloadModel.js"
import { limits, maxPayloadBytes, utf8Length } from "./internal/validation.js"

export type { NativeValue, Payload } from "./internal/payloadModel.js"

/**
 * The lock attributes of an item (absent on plain key/value items).
 *
 * @since 0.1.0
 * @category models
 */
export interface LockAttributes {
  /** Owner token of the current lease holder (`owner`); none when released or never locked. */
  readonly owner: Option.Option<string>
  /** Last fencing token handed out (`fence`); 0 when never locked. */
  readonly fence: number
  /** The line of waiters (`line`), first come first: entries in the lock protocol's own format. */
  readonly line: ReadonlyArray<string>
  /** When the current holder's lease began, by its clock (`since`, epoch ms); 0 when unknown. */
  readonly since: number
  /** How long holders of this key typically hold it (`hold`, ms), as the last releaser estimated it; 0 when unknown. */
  readonly hold: number
  /** A semaphore's number of permits (`limit`); none for a plain lock. */
  readonly limit: Option.Option<number>
  /** A semaphore's current holders (`holders`), in the lock protocol's own format. */
  readonly holders: ReadonlyArray<string>
}

/**
 * An item as stored, whether live or expired: backends never filter expired items, core does.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredItem {
  readonly key: string
  readonly version: number
  /**
   * Expiry in epoch milliseconds. For an item whose last versioned write came through this contract, the precise
   * `expiresMs` attribute; otherwise (written by Go dynalock, which keeps only seconds) `expires` × 1000.
   */
  readonly expiresAt: Option.Option<number>
  /**
   * True when the item's last versioned write did not come through this contract (Go dynalock wrote it, or an item
   * of an older format): its lock attributes may be stale and only `expires` and `version` are to be trusted.
   */
  readonly foreign: boolean
  readonly payload: Payload
  readonly lock: LockAttributes
}

/**
 * The condition of a write: a small expression over the item as it is when the write arrives. `now` values are the
 * writer's clock in epoch milliseconds: DynamoDB has no clock of its own in conditions.
 *
 * @since 0.2.0
 * @category models
 */
export type Condition =
  /** No condition. */
  | { readonly _tag: "Always" }
  | { readonly _tag: "And"; readonly all: ReadonlyArray<Condition> }
  | { readonly _tag: "Or"; readonly any: ReadonlyArray<Condition> }
  | { readonly _tag: "Not"; readonly condition: Condition }
  /** The item exists. */
  | { readonly _tag: "Exists" }
  /** The item exists with exactly this version. */
  | { readonly _tag: "VersionIs"; readonly version: number }
  /** The item exists and its last versioned write came through this contract (it is not `foreign`). */
  | { readonly _tag: "Ours" }
  /** The item exists and expires at or before `at` (as `StoredItem.expiresAt` reads it). */
  | { readonly _tag: "ExpiredAt"; readonly at: number }
  /** The item exists and has an `owner`. */
  | { readonly _tag: "HasOwner" }
  /** The item exists and its `owner` is this token. */
  | { readonly _tag: "OwnerIs"; readonly owner: string }
  /** The item exists and has a precise lease end (`expiresMs`) strictly before `at`. */
  | { readonly _tag: "LeaseEndsBefore"; readonly at: number }
  /** The item exists and its `since` is at or after `at` (`at` > 0: an item without `since` fails). */
  | { readonly _tag: "StartedFrom"; readonly at: number }
  /** The item's list (default the line) has exactly this many entries (an absent item or list has none). */
  | { readonly _tag: "LineSize"; readonly size: number; readonly list?: ListName | undefined }
  /** The item's list has this entry at this index. */
  | { readonly _tag: "LineAt"; readonly index: number; readonly entry: string; readonly list?: ListName | undefined }
  /** The item's list contains this entry. */
  | { readonly _tag: "LineContains"; readonly entry: string; readonly list?: ListName | undefined }
  /** The item's list is exactly these entries, in this order (an absent list is empty). */
  | { readonly _tag: "ListIs"; readonly entries: ReadonlyArray<string>; readonly list: ListName }
  /** The item exists and its `limit` is this one (none: it has no limit, it is not a semaphore). */
  | { readonly _tag: "LimitIs"; readonly limit: Option.Option<number> }

/**
 * The two lists of a lock record: the line of waiters, and a semaphore's holders.
 *
 * @since 0.2.0
 * @category models
 */
export type ListName = "line" | "holders"

/**
 * A change to the line of waiters. `Remove` removes the entries at these indices of the line as it was before
 * the update (indices past the end are ignored); `Replace` sets one entry (past the end, it appends, as DynamoDB
 * does). DynamoDB refuses both on an item without a line: send them only with a condition that the line has
 * entries (`LineAt`, or `LineSize` of one or more), which it checks first. Backends refuse them on an empty line.
 *
 * @since 0.2.0
 * @category models
 */
export type LineUpdate =
  | { readonly _tag: "Append"; readonly entry: string }
  | { readonly _tag: "Replace"; readonly index: number; readonly entry: string }
  | { readonly _tag: "Remove"; readonly indices: ReadonlyArray<number> }
  /** The whole list: these entries (none removes it). */
  | { readonly _tag: "Set"; readonly entries: ReadonlyArray<string> }

/**
 * An atomic single-item upsert. A field left `undefined` keeps the stored attribute.
 *
 * @since 0.1.0
 * @category models
 */
export interface UpdateRequest {
  readonly key: string
  readonly condition: Condition
  /**
   * Default true: `version = if_not_exists(version, 0) + 1`, and the item is marked as written through this
   * contract (not `foreign`). False leaves both alone: the lock's line changes are not versioned writes, so that
   * they never disturb a holder (ours or Go dynalock's) whose writes are conditioned on the version.
   */
  readonly bump?: boolean | undefined
  /** `Empty` removes the payload attribute. */
  readonly payload?: Payload | undefined
  /**
   * Epoch milliseconds; none removes the expiry. Backends write `expiresMs` and `expires` (seconds, rounded up).
   * Required in a versioned update: after it the item's expiry is read from `expiresMs` alone, so leaving it out
   * could silently change the expiry of an item Go dynalock wrote. Backends refuse such an update.
   */
  readonly expiresAt?: Option.Option<number> | undefined
  /**
   * Epoch milliseconds, with `expiresAt` some: the expiry shown to readers outside this contract (Go dynalock's
   * `expires` seconds) in place of `expiresAt`, which readers through the contract still read. The lock uses it so
   * that Go dynalock waits out a lease as long as our own clients do, and takes a released lock at once.
   */
  readonly foreignExpiresAt?: number | undefined
  /** Some sets the owner token, none removes it. */
  readonly owner?: Option.Option<string> | undefined
  /** When set: `fence = if_not_exists(fence, fenceSeed) + 1`. */
  readonly fenceSeed?: number | undefined
  readonly line?: LineUpdate | undefined
  /** A change to a semaphore's holders, as `line` changes the line. */
  readonly holders?: LineUpdate | undefined
  /** Sets `limit`. */
  readonly limit?: number | undefined
  /** Sets `since`. */
  readonly since?: number | undefined
  /** Sets `hold`. */
  readonly hold?: number | undefined
}

/**
 * An atomic single-item delete.
 *
 * @since 0.1.0
 * @category models
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
 * @category models
 */
export type WriteOutcome =
  | { readonly _tag: "Applied"; readonly item: Option.Option<StoredItem> }
  | { readonly _tag: "Rejected"; readonly current: Option.Option<StoredItem> }

/**
 * One page of a prefix query, in DynamoDB's sort-key order (UTF-8 bytes).
 *
 * @since 0.1.0
 * @category models
 */
export interface QueryPage {
  readonly items: ReadonlyArray<StoredItem>
  /** The last evaluated key, to pass as `after` for the next page; none on the last page. */
  readonly next: Option.Option<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface QueryRequest {
  /** Keys beginning with this prefix; "" for the whole partition. */
  readonly prefix: string
  readonly consistent: boolean
  /** Start after this key (exclusive). */
  readonly after: Option.Option<string>
  /** At most this many items in the page (the page also ends at 1 MB of data, as DynamoDB's does). */
  readonly limit?: number | undefined
}

/**
 * The storage contract. One instance is bound to one table and one partition.
 *
 * @since 0.1.0
 * @category models
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
 * @category constructors
 */
export const noLock: LockAttributes = {
  owner: Option.none(),
  fence: 0,
  line: [],
  since: 0,
  hold: 0,
  limit: Option.none(),
  holders: []
}

/**
 * No condition.
 *
 * @since 0.2.0
 * @category conditions
 */
export const always: Condition = { _tag: "Always" }

/**
 * All of the conditions (`Always` when there are none).
 *
 * @since 0.2.0
 * @category conditions
 */
export const and = (...all: ReadonlyArray<Condition>): Condition => (all.length === 0 ? always : { _tag: "And", all })

/**
 * Any of the conditions.
 *
 * @since 0.2.0
 * @category conditions
 */
export const or = (...any: ReadonlyArray<Condition>): Condition => ({ _tag: "Or", any })

/**
 * The opposite of a condition.
 *
 * @since 0.2.0
 * @category conditions
 */
export const not = (condition: Condition): Condition => ({ _tag: "Not", condition })

/**
 * The item is absent.
 *
 * @since 0.2.0
 * @category conditions
 */
export const absent: Condition = not({ _tag: "Exists" })

/**
 * The item is absent, or expired at `now`: a create-only write may replace it.
 *
 * @since 0.2.0
 * @category conditions
 */
export const notLive = (now: number): Condition => or(absent, { _tag: "ExpiredAt", at: now })

/**
 * The item exists with exactly this version and is not expired at `now`.
 *
 * @since 0.2.0
 * @category conditions
 */
export const liveVersion = (version: number, now: number): Condition =>
  and({ _tag: "VersionIs", version }, not({ _tag: "ExpiredAt", at: now }))

/**
 * Whether an item is expired at `now` (epoch ms). An item whose expiry equals `now` is expired.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isExpired = (item: StoredItem, now: number): boolean =>
  Option.isSome(item.expiresAt) && item.expiresAt.value <= now

const holdsOn = (condition: Condition, item: StoredItem | undefined): boolean => {
  switch (condition._tag) {
    case "Always":
      return true
    case "And":
      return condition.all.every((part) => holdsOn(part, item))
    case "Or":
      return condition.any.some((part) => holdsOn(part, item))
    case "Not":
      return !holdsOn(condition.condition, item)
    case "Exists":
      return item !== undefined
    case "VersionIs":
      return item !== undefined && item.version === condition.version
    case "Ours":
      return item !== undefined && !item.foreign
    case "ExpiredAt":
      return item !== undefined && isExpired(item, condition.at)
    case "HasOwner":
      return item !== undefined && Option.isSome(item.lock.owner)
    case "OwnerIs":
      return item !== undefined && Option.contains(item.lock.owner, condition.owner)
    case "LeaseEndsBefore":
      return item !== undefined && !item.foreign && Option.isSome(item.expiresAt) && item.expiresAt.value < condition.at
    case "StartedFrom":
      return item !== undefined && item.lock.since > 0 && item.lock.since >= condition.at
    case "LineSize":
      return listOf(item, condition.list).length === condition.size
    case "LineAt":
      return item !== undefined && listOf(item, condition.list)[condition.index] === condition.entry
    case "LineContains":
      return item !== undefined && listOf(item, condition.list).includes(condition.entry)
    case "ListIs": {
      const list = listOf(item, condition.list)
      return (
        list.length === condition.entries.length && list.every((entry, index) => entry === condition.entries[index])
      )
    }
    case "LimitIs":
      return (
        item !== undefined &&
        (Option.isNone(condition.limit)
          ? Option.isNone(item.lock.limit)
          : Option.contains(item.lock.limit, condition.limit.value))
      )
  }
}

const listOf = (item: StoredItem | undefined, list: ListName | undefined): ReadonlyArray<string> =>
  item === undefined ? [] : list === "holders" ? item.lock.holders : item.lock.line

/**
 * The reference meaning of a condition. Backends must agree with it exactly; the conformance suite checks.
 *
 * @since 0.1.0
 * @category predicates
 */
export const conditionHolds = (condition: Condition, current: Option.Option<StoredItem>): boolean =>
  holdsOn(condition, Option.getOrUndefined(current))

const applyLine = (line: ReadonlyArray<string>, update: LineUpdate): ReadonlyArray<string> => {
  switch (update._tag) {
    case "Append":
      return [...line, update.entry]
    case "Replace":
      return update.index < line.length
        ? line.map((entry, index) => (index === update.index ? update.entry : entry))
        : [...line, update.entry]
    case "Remove": {
      const removed = new Set(update.indices)
      return line.filter((_, index) => !removed.has(index))
    }
    case "Set":
      return update.entries
  }
}

/**
 * The reference meaning of an update: the item after it is applied to `current` (none if absent). Backends must
 * agree with it exactly; the conformance suite checks.
 *
 * @since 0.2.0
 * @category constructors
 */
export const applyUpdate = (current: Option.Option<StoredItem>, request: UpdateRequest): StoredItem => {
  const before = Option.getOrUndefined(current)
  const lock = before?.lock ?? noLock
  const bump = request.bump !== false
  return {
    key: request.key,
    version: bump ? (before?.version ?? 0) + 1 : (before?.version ?? 0),
    expiresAt: request.expiresAt ?? before?.expiresAt ?? Option.none(),
    // An item only ever written without a version bump has had no versioned write of ours either.
    foreign: bump ? false : (before?.foreign ?? true),
    payload: request.payload ?? before?.payload ?? { _tag: "Empty" },
    lock: {
      owner: request.owner ?? lock.owner,
      fence: request.fenceSeed === undefined ? lock.fence : (lock.fence === 0 ? request.fenceSeed : lock.fence) + 1,
      line: request.line === undefined ? lock.line : applyLine(lock.line, request.line),
      since: request.since ?? lock.since,
      hold: request.hold ?? lock.hold,
      limit: request.limit === undefined ? lock.limit : Option.some(request.limit),
      holders: request.holders === undefined ? lock.holders : applyLine(lock.holders, request.holders)
    }
  }
}

/**
 * The `expires` attribute (epoch seconds, DynamoDB's TTL attribute) for an expiry in epoch milliseconds:
 * rounded up so that DynamoDB never collects an item before it expired.
 *
 * @since 0.1.0
 * @category constructors
 */
export const expiresSeconds = (expiresAtMillis: number): number => Math.ceil(expiresAtMillis / 1000)

/**
 * The size DynamoDB counts for an item of this partition (an upper bound: numbers count their maximum), for
 * backends that page like DynamoDB's 1 MB query pages.
 *
 * @since 0.1.0
 * @category sizes
 */
export const itemSize = (partition: string, item: StoredItem): number =>
  utf8Length(partition) +
  utf8Length(item.key) +
  payloadSize(item.payload) +
  [...item.lock.line, ...item.lock.holders].reduce((sum, entry) => sum + utf8Length(entry) + 1, 0) +
  limits.itemOverheadBytes

/**
 * The largest item DynamoDB accepts, in bytes.
 *
 * @since 0.1.0
 * @category sizes
 */
export const maxItemBytes: number = limits.maxItemBytes

/**
 * The largest payload that fits in one item with this partition and key (what `put` accepts).
 *
 * @since 0.1.0
 * @category sizes
 */
export const maxPayloadSize = (partition: string, key: string): number => maxPayloadBytes(partition, key)
