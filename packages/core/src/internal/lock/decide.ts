/**
 * The lock protocol's decisions: a pure function of the lock record, the waiter and the time. What each decision
 * writes is in requests.ts; the loop that carries them out is in waiter.ts.
 */
import { Option } from "effect"
import type { Condition, StoredItem } from "../../Storage.js"
import { and, or, not } from "../../Storage.js"
import { isWaiting, leaseOf, lineOf, ownLeaseEnd } from "./record.js"
import type { LeaseView, LineEntry } from "./record.js"
import type { Settings } from "./settings.js"

/** The holder gives the lease up locally this long before it ends, to stop its work in time. */
export const safetyMargin = (ttl: number): number => Math.min(Math.max(ttl / 5, 1), 2000)

/** Lines longer than this take no new entries: the record must stay well within DynamoDB's item size. */
export const maxLineLength = 1000

/** Claims that remove more entries than this pin the line by its length instead of entry by entry. */
const maxPinnedEntries = 32

/**
 * Waiters ahead beyond which a turn is not predicted: each holding ahead adds its deviation from the typical hold,
 * and a claim sent before its turn costs more than the look it replaces.
 */
const maxPredictedTurns = 2

/** Entries one claim removes at most; any lapsed entries left are removed by later claims. */
const maxRemovals = 100

/**
 * What a claim needs to stay right (the record unchanged since it was read), the line entries it removes, and for a
 * semaphore the holders it keeps.
 */
export interface Claim {
  readonly condition: Condition
  readonly remove: ReadonlyArray<number>
  readonly holders?: ReadonlyArray<string> | undefined
}

export type Decision =
  /** The lease is this waiter's (an earlier claim whose answer was lost did apply) and still long enough to hand out. */
  | { readonly _tag: "Granted"; readonly item: StoredItem; readonly leaseEnd: number }
  /** The lease is this waiter's but too little of it is left to hand out safely: give it back. */
  | { readonly _tag: "Late"; readonly item: StoredItem }
  /** Take the lease now. */
  | { readonly _tag: "Claim"; readonly claim: Claim }
  /** Take a place at the end of the line. */
  | { readonly _tag: "Join" }
  /** Renew this waiter's place in line before it lapses. */
  | { readonly _tag: "Refresh"; readonly entry: LineEntry }
  /**
   * Wait: nothing lets this waiter claim before `until` (epoch ms) except a release or a waiter ahead leaving.
   * `ahead` counts the leases and waiters before it; `inLine` whether it has a place.
   */
  | {
      readonly _tag: "Wait"
      readonly until: number
      readonly ahead: number
      readonly inLine: boolean
      /** The record's fencing counter, which tells how fast the line moves. */
      readonly fence: number
      /** When the current lease began (its holder's clock) and how long holders typically hold: 0 when unknown. */
      readonly since: number
      readonly hold: number
      /**
       * For a waiter near the front of the line: the claim to send when its turn is expected, in place of a read
       * (the release and the claim then cost no round trip in between). It applies only if the lease is free by
       * then and the line is as predicted up to this waiter's place; refused, it shows the record.
       */
      readonly turn?: Claim | undefined
    }
  /** It may not claim, and `wait: false` says not to wait. */
  | { readonly _tag: "Held" }
  /** The record is not of this kind (a semaphore's for a plain lock, or the other way round): bad input. */
  | { readonly _tag: "Refused"; readonly message: string }

/** Who is deciding. */
interface Waiter {
  readonly token: string
  readonly ttl: number
  readonly wait: boolean
}

/**
 * A plain lock's lease free at `now` as a claim made without the record's version must see it: last written by a
 * client of this protocol (not Go dynalock), not a semaphore, and with no owner or one whose lease ended at least
 * the skew bound ago.
 */
const freeLease = (now: number, settings: Settings): ReadonlyArray<Condition> => [
  { _tag: "Ours" },
  { _tag: "LimitIs", limit: Option.none() },
  or(not({ _tag: "HasOwner" }), { _tag: "ExpiredAt", at: now - settings.skew })
]

/**
 * No lease of the record began at or after `now`. A claim pinned to neither the version nor a place in line would
 * otherwise apply again if the network delivered it twice: a copy landing after the lease it took was released
 * would hold the key, for nobody, for a whole ttl. The first copy sets `since` to its own `now`.
 */
const notSince = (now: number): Condition => not({ _tag: "StartedFrom", at: now })

/**
 * The claim a client sends without reading first: it applies only if the record is absent, or ours, free, with
 * nobody in line and no lease begun since `now`. Otherwise it is rejected, and the rejection carries the record to
 * decide on.
 */
export const blindClaim = (now: number, settings: Settings): Claim => ({
  condition: or(
    not({ _tag: "Exists" }),
    and(...freeLease(now, settings), { _tag: "LineSize", size: 0 }, notSince(now))
  ),
  remove: []
})

/**
 * The claim of a client whose own release left the lease free with nobody in line, sent without reading first:
 * the record exactly as that release left it (`released`: its version and its expiry, to the millisecond), and
 * the line still empty (joins are not versioned writes). That record was ours, free and not a semaphore, so the
 * claim applies only where the blind claim would; refused, it shows the record like any other. Pinned to the
 * version, a copy of it that the network delivered late never applies again. One conjunction: dynalite takes
 * some 0.5 ms to parse the blind claim's parenthesised alternative, a sixth of a lock cycle there.
 */
export const releasedClaim = (released: StoredItem): Claim => ({
  condition: and(
    { _tag: "VersionIs", version: released.version },
    { _tag: "LineSize", size: 0 },
    ...sameExpiry(released)
  ),
  remove: []
})

/**
 * The record's expiry, exactly. Go dynalock's Unlock deletes the record, and a record made anew counts its versions
 * from 1 again: the version alone could match the new record, and a claim made on the old one would take the new
 * holder's lease. A new record's expiry is later than the old one's, which had passed for the claim to be made (and
 * is pinned to the millisecond). A claim that pins its own place needs it too: the place went with the old record,
 * but a late copy of the join that took it can land on the new one.
 */
export const sameExpiry = (item: StoredItem): ReadonlyArray<Condition> =>
  Option.match(item.expiresAt, {
    onNone: () => [],
    // Whose the last write was is pinned too: it says which expiry attribute was read (and keeps the expression short).
    onSome: (at): ReadonlyArray<Condition> => [
      item.foreign ? not({ _tag: "Ours" }) : { _tag: "Ours" },
      { _tag: "ExpiredAt", at },
      not({ _tag: "ExpiredAt", at: at - 1 })
    ]
  })

const claimOn = (item: StoredItem, line: ReadonlyArray<LineEntry>, mine: LineEntry | undefined): Claim => {
  const version: Condition = { _tag: "VersionIs", version: item.version }
  if (mine !== undefined && mine.index < maxPinnedEntries) {
    // Everything up to our own place goes; pinning just those entries lets others join behind meanwhile.
    const through = line.slice(0, mine.index + 1)
    return {
      condition: and(
        version,
        ...through.map((entry): Condition => ({ _tag: "LineAt", index: entry.index, entry: entry.raw })),
        ...sameExpiry(item)
      ),
      remove: through.map((entry) => entry.index)
    }
  }
  const upTo = mine === undefined ? line.length : mine.index + 1
  return {
    condition: and(version, { _tag: "LineSize", size: line.length }, ...sameExpiry(item)),
    remove: line.slice(0, Math.min(upTo, maxRemovals)).map((entry) => entry.index)
  }
}

/**
 * The claim of a waiter near the front of the line, made at `now`, to be sent when its turn is expected: like the
 * blind claim (the lease free, the record last written by a client of this protocol, a plain lock), with the line
 * pinned entry by entry up to this waiter's place instead of empty. `through` is the line as it will be by then:
 * the waiters ahead each claim in turn, removing their entries and every entry before theirs, so it starts after
 * the last of them (`from`). No version pin: the release that the claim waits for is itself a versioned write. A
 * lapsed entry ahead that comes back changes its text, a waiter ahead that has not yet had its turn keeps its entry
 * at the front, and a record made anew has no line: each refuses the claim.
 */
const turnClaim = (through: ReadonlyArray<LineEntry>, from: number, now: number, settings: Settings): Claim => ({
  condition: and(
    ...freeLease(now, settings),
    ...through.map((entry): Condition => ({ _tag: "LineAt", index: entry.index - from, entry: entry.raw }))
  ),
  remove: through.map((entry) => entry.index - from)
})

/**
 * What the record says of the current holding's timing, for a waiter to look again when it is likely to end. A
 * free lease with waiters ahead is between holdings: the next one starts about `now`, its claim on the way.
 */
const timing = (item: StoredItem, lease: LeaseView, now: number): { since: number; hold: number } => {
  if (item.foreign) return untimed
  if (lease._tag === "Held") return { since: item.lock.since, hold: item.lock.hold }
  return item.lock.hold > 0 ? { since: now, hold: item.lock.hold } : untimed
}

const untimed = { since: 0, hold: 0 }

/**
 * Decides the next step of `waiter` on the record `current` at `now` (this client's clock).
 *
 * A free lease goes to the first waiter in line whose place has not lapsed; a client without a place may take it
 * only when nobody waits. A waiter that crashed stops renewing its place, so once it lapses (deadline plus the skew
 * bound) it is skipped, and the claim removes it.
 */
export const decide = (
  current: Option.Option<StoredItem>,
  waiter: Waiter,
  now: number,
  settings: Settings
): Decision => {
  if (Option.isNone(current)) return { _tag: "Claim", claim: { condition: not({ _tag: "Exists" }), remove: [] } }
  const item = current.value
  if (Option.isSome(item.lock.limit))
    return { _tag: "Refused", message: `${item.key} is a semaphore, not a plain lock` }
  const own = ownLeaseEnd(item, waiter.token)
  if (Option.isSome(own)) {
    return now <= own.value - safetyMargin(waiter.ttl)
      ? { _tag: "Granted", item, leaseEnd: own.value }
      : { _tag: "Late", item }
  }
  const lease = leaseOf(item, now, settings)
  // Entries of the holder's own token are leftovers of a join that arrived late: they never count.
  const holder = lease._tag === "Held" && !item.foreign ? item.lock.owner : Option.none<string>()
  const line = lineOf(item)
  const mine = line.find((entry) => entry.token === waiter.token)
  const waitingAhead = line
    .slice(0, mine === undefined ? line.length : mine.index)
    .filter((entry) => isWaiting(entry, now, settings, holder))
  if (lease._tag === "Free" && waitingAhead.length === 0) return { _tag: "Claim", claim: claimOn(item, line, mine) }
  if (!waiter.wait) return { _tag: "Held" }
  const ahead = waitingAhead.length + (lease._tag === "Held" ? 1 : 0)
  const leaseUntil = lease._tag === "Held" ? lease.until : Number.POSITIVE_INFINITY
  // The first of those ahead whose place lapses, if it does not renew it.
  const lapses = Math.min(...waitingAhead.map((entry) => entry.deadline + settings.skew))
  if (mine === undefined) {
    return line.length < maxLineLength
      ? { _tag: "Join" }
      : {
          _tag: "Wait",
          until: Math.min(leaseUntil, lapses),
          ahead,
          inLine: false,
          fence: item.lock.fence,
          ...timing(item, lease, now)
        }
  }
  const refreshAt = mine.deadline - settings.grace / 2
  if (now >= refreshAt) return { _tag: "Refresh", entry: mine }
  const timed = timing(item, lease, now)
  const wait = {
    _tag: "Wait",
    until: Math.min(leaseUntil, lapses, refreshAt),
    ahead,
    inLine: true,
    fence: item.lock.fence,
    ...timed
  } as const
  // Only where the record tells when the turn is expected: otherwise the waiter wakes on its schedule. A waiter
  // further back claims in place of its look too, the line predicted: its look would come when its turn is
  // expected, to find the lease just released, and the claim after it would cost a round trip more.
  const from = (waitingAhead.at(-1)?.index ?? -1) + 1
  const predicted =
    timed.since > 0 &&
    timed.hold > 0 &&
    waitingAhead.length <= maxPredictedTurns &&
    mine.index - from < maxPinnedEntries
  return predicted ? { ...wait, turn: turnClaim(line.slice(from, mine.index + 1), from, now, settings) } : wait
}
