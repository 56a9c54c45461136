/**
 * A semaphore's decisions: a pure function of the record, the waiter and the time, as decide.ts is for a plain lock.
 *
 * The record holds the semaphore's `limit` and its `holders` ("token:lease end:permits"); a holder counts until its
 * lease end plus the skew bound. Waiters are served strictly in line order: a waiter may claim only when its own
 * permits and those of every waiter still counting ahead of it fit in what is free, so no waiter is ever overtaken
 * (a request for many is not starved by a stream of requests for one, and the other way round).
 */
import { Option } from "effect"
import type { Condition, StoredItem } from "../../Storage.js"
import { and, not } from "../../Storage.js"
import type { Claim, Decision } from "../lock/decide.js"
import { maxLineLength, safetyMargin } from "../lock/decide.js"
import { holdersOf, isWaiting, lineOf } from "../lock/record.js"
import type { LineEntry } from "../lock/record.js"
import type { Settings } from "../lock/settings.js"

/** Who is deciding. */
interface PermitWaiter {
  readonly token: string
  readonly ttl: number
  readonly wait: boolean
  readonly permits: number
  readonly limit: number
}

/** Holders whose leases have not ended by `now` for a client other than each of them. */
const liveHolders = (item: StoredItem, now: number, settings: Settings): ReadonlyArray<LineEntry> =>
  holdersOf(item).filter((holder) => holder.deadline + settings.skew > now)

/** Permits free at `now`, as a claim would count them. */
export const freePermits = (item: StoredItem, limit: number, now: number, settings: Settings): number =>
  limit - liveHolders(item, now, settings).reduce((sum, holder) => sum + holder.permits, 0)

/** Why a record cannot serve this semaphore, if it cannot. */
export const refusal = (item: StoredItem, limit: number): Option.Option<string> => {
  if (item.foreign) return Option.some(`${item.key} was written by another client than dynalock: it is not a semaphore`)
  return Option.match(item.lock.limit, {
    onNone: () => Option.some(`${item.key} is a plain lock, not a semaphore`),
    onSome: (stored) =>
      stored === limit ? Option.none() : Option.some(`semaphore ${item.key} has ${stored} permits, not ${limit}`)
  })
}

/** The claim that creates the semaphore's record. */
export const createClaim: Claim = { condition: not({ _tag: "Exists" }), remove: [], holders: [] }

const claimOn = (item: StoredItem, keep: ReadonlyArray<LineEntry>, remove: ReadonlyArray<LineEntry>): Claim => ({
  // The version pins other claims out; the holders pin renewals and releases of those it drops as ended.
  condition: and(
    { _tag: "VersionIs", version: item.version },
    { _tag: "ListIs", list: "holders", entries: item.lock.holders },
    ...remove.map((entry): Condition => ({ _tag: "LineAt", index: entry.index, entry: entry.raw }))
  ),
  remove: remove.map((entry) => entry.index),
  holders: keep.map((holder) => holder.raw)
})

export const decideSemaphore = (
  current: Option.Option<StoredItem>,
  waiter: PermitWaiter,
  now: number,
  settings: Settings
): Decision => {
  if (Option.isNone(current)) return { _tag: "Claim", claim: createClaim }
  const item = current.value
  const refused = refusal(item, waiter.limit)
  if (Option.isSome(refused)) return { _tag: "Refused", message: refused.value }
  const own = holdersOf(item).find((holder) => holder.token === waiter.token)
  if (own !== undefined) {
    return now <= own.deadline - safetyMargin(waiter.ttl)
      ? { _tag: "Granted", item, leaseEnd: own.deadline }
      : { _tag: "Late", item }
  }
  const live = liveHolders(item, now, settings)
  const free = waiter.limit - live.reduce((sum, holder) => sum + holder.permits, 0)
  const line = lineOf(item)
  const mine = line.find((entry) => entry.token === waiter.token)
  const before = line.slice(0, mine === undefined ? line.length : mine.index)
  const waitingAhead = before.filter((entry) => isWaiting(entry, now, settings, Option.none()))
  const needed = waitingAhead.reduce((sum, entry) => sum + entry.permits, 0) + waiter.permits
  if (needed <= free) {
    // At most a few lapsed places go with one claim (each is pinned in its condition); later claims take the rest.
    const lapsedAhead = before.filter((entry) => !isWaiting(entry, now, settings, Option.none())).slice(0, 30)
    return { _tag: "Claim", claim: claimOn(item, live, mine === undefined ? lapsedAhead : [...lapsedAhead, mine]) }
  }
  if (!waiter.wait) return { _tag: "Held" }
  const ahead = waitingAhead.length + live.length
  // A permit frees when a holder's lease can have ended; the line moves when a place ahead lapses.
  const frees = Math.min(
    ...live.map((holder) => holder.deadline + settings.skew),
    ...waitingAhead.map((entry) => entry.deadline + settings.skew)
  )
  if (mine === undefined) {
    return line.length < maxLineLength
      ? { _tag: "Join" }
      : { _tag: "Wait", until: frees, ahead, inLine: false, fence: item.version, since: 0, hold: 0 }
  }
  const refreshAt = mine.deadline - settings.grace / 2
  if (now >= refreshAt) return { _tag: "Refresh", entry: mine }
  return {
    _tag: "Wait",
    until: Math.min(frees, refreshAt),
    ahead,
    inLine: true,
    fence: item.version,
    since: 0,
    hold: 0
  }
}
