/** How a lock record reads at one instant, by one client's clock: who holds the lease, and who waits in line. */
import { Option } from "effect"
import type { StoredItem } from "../../Storage.js"
import type { Settings } from "./settings.js"

/**
 * Go dynalock takes a lock over only once `expires < now` in whole seconds, so its lease lasts up to a second past
 * `expires`: ours respect that much more of a foreign lease.
 */
const foreignResolution = 1000

/** The lease of a record, for a client other than its holder. */
export type LeaseView =
  /** Taken: nobody else may claim it before `until` (epoch ms, this client's clock). */
  | { readonly _tag: "Held"; readonly until: number }
  /** Claimable (as far as the lease goes) since `since`. */
  | { readonly _tag: "Free"; readonly since: number }

/**
 * The lease as others must see it. Our own leases count until their end plus the clock-skew bound; a foreign
 * (Go dynalock) item counts as held while Go itself would not take it over, plus the skew bound; an item without
 * expiry that we did not write counts as held for good (Go never takes one over either).
 */
export const leaseOf = (item: StoredItem, now: number, settings: Settings): LeaseView => {
  // Never written with a version (only a line, say): nobody ever leased it, nor did Go write it.
  if (item.version === 0) return { _tag: "Free", since: 0 }
  const held = (end: number): LeaseView => (now < end ? { _tag: "Held", until: end } : { _tag: "Free", since: end })
  if (item.foreign) {
    return Option.match(item.expiresAt, {
      onNone: () => ({ _tag: "Held", until: Number.POSITIVE_INFINITY }),
      onSome: (end) => held(end + foreignResolution + settings.skew)
    })
  }
  if (Option.isNone(item.lock.owner)) return { _tag: "Free", since: Option.getOrElse(item.expiresAt, () => 0) }
  return Option.match(item.expiresAt, {
    onNone: () => ({ _tag: "Held", until: Number.POSITIVE_INFINITY }),
    onSome: (end) => held(end + settings.skew)
  })
}

/** The lease end a record gives the holder with this token, if the lease is its own: the precise `expiresMs`. */
export const ownLeaseEnd = (item: StoredItem, token: string): Option.Option<number> =>
  !item.foreign && Option.contains(item.lock.owner, token) ? item.expiresAt : Option.none()

/**
 * One waiter in line, or one holder of a semaphore's permits. `deadline` (its own clock) is when its place lapses
 * unless it renews it, or when its lease ends.
 */
export interface LineEntry {
  readonly index: number
  readonly raw: string
  readonly token: string
  readonly deadline: number
  /** Permits it waits for (1 for a plain lock). */
  readonly permits: number
}

const entryPattern = /^([0-9a-f]{32}):(\d{1,16})(?::(\d{1,9}))?$/

/** The line entry of a waiter: its token, when its place lapses, and (for a semaphore) the permits it wants. */
export const formatEntry = (token: string, deadline: number, permits = 1): string =>
  permits === 1 ? `${token}:${Math.ceil(deadline)}` : `${token}:${Math.ceil(deadline)}:${permits}`

/** The parsed line; an entry in no format of ours reads as lapsed long ago, so that anyone may remove it. */
export const lineOf = (item: StoredItem): ReadonlyArray<LineEntry> => entriesOf(item.lock.line)

/** A semaphore's holders, in the line's format: `deadline` is each one's lease end. */
export const holdersOf = (item: StoredItem): ReadonlyArray<LineEntry> => entriesOf(item.lock.holders)

const entriesOf = (list: ReadonlyArray<string>): ReadonlyArray<LineEntry> =>
  list.map((raw, index) => {
    const match = entryPattern.exec(raw)
    return match === null
      ? { index, raw, token: "", deadline: Number.NEGATIVE_INFINITY, permits: 1 }
      : {
          index,
          raw,
          token: match[1]!,
          deadline: Number(match[2]),
          permits: match[3] === undefined ? 1 : Number(match[3])
        }
  })

/**
 * Whether others must still count this entry as waiting at `now`: until its deadline plus the skew bound, since
 * the deadline is the waiter's clock. Entries of the lease's own holder are leftovers and never count.
 */
export const isWaiting = (entry: LineEntry, now: number, settings: Settings, holder: Option.Option<string>): boolean =>
  entry.deadline + settings.skew > now && !Option.contains(holder, entry.token)
