/**
 * What a waiter may have left in the store: the lease (a claim that applied, or whose answer is unknown) and places
 * in line. The wait records it before every write, so that whatever ends the wait can clean up after it.
 */
import { Option } from "effect"
import type { StoredItem } from "../../Storage.js"

export interface Footprint {
  /** The record as last seen; none when never seen. */
  readonly seen: Option.Option<Option.Option<StoredItem>>
  /** A write was sent whose outcome is not known yet: what was last seen may be out of date. */
  readonly uncertain: boolean
  /** The write whose outcome is unknown is a claim: the lease may be ours. */
  readonly claimed: boolean
  /** A join or refresh was ever sent: a place in line may be ours. */
  readonly joined: boolean
}

export const noFootprint: Footprint = { seen: Option.none(), uncertain: false, claimed: false, joined: false }

/**
 * One acquisition's footprint as it changes. A plain cell, not a `Ref`: only its wait writes it, each write within
 * one synchronous step, and the clean-up reads it once the wait has ended.
 */
export interface FootprintCell {
  current: Footprint
}

/** After a write whose outcome is known, or a read: the record shows what is ours. */
export const sawRecord = (footprint: Footprint, current: Option.Option<StoredItem>): Footprint => ({
  ...footprint,
  seen: Option.some(current),
  uncertain: false,
  claimed: false
})

/**
 * Whether the record could give us a lease: a claim is in doubt, or the record last seen does (`leaseEnd` reads
 * ours from a record).
 */
export const mayOwn = (footprint: Footprint, leaseEnd: (item: StoredItem) => Option.Option<number>): boolean =>
  (footprint.uncertain && footprint.claimed) ||
  Option.exists(footprint.seen, (current) => Option.exists(current, (item) => Option.isSome(leaseEnd(item))))
