/** The lock protocol's decisions: a pure function of the lock record, the waiter and the time. */
import { Option } from "effect"
import type { StoredItem } from "../../Storage.js"
import type { Settings } from "./settings.js"

export type Decision =
  /** The lease is this waiter's own (an earlier write with an unknown outcome did apply). */
  | { readonly _tag: "Mine" }
  /** Take the lease now, with a write conditioned on the record's current version. */
  | { readonly _tag: "Acquire"; readonly served: number }
  /** Join the line of waiters before waiting. */
  | { readonly _tag: "TakeTicket"; readonly item: StoredItem }
  /** Wait: nothing can change for this waiter before `until` (epoch ms) except an early release. */
  | { readonly _tag: "Wait"; readonly until: number }

/**
 * When the current lease stops counting as held for others: its end plus the clock-skew bound. A record this
 * protocol never locked (no fence) but that is unexpired is a foreign lease, e.g. Go dynalock's, which writes no
 * owner: it is respected until it expires too.
 */
const heldUntil = (item: StoredItem, skew: number): number => {
  const foreign = Option.isNone(item.lock.owner) && item.lock.fence === 0 && Option.isSome(item.expiresAt)
  if (Option.isNone(item.lock.owner) && !foreign) return Number.NEGATIVE_INFINITY
  return Option.match(item.expiresAt, { onNone: () => Number.POSITIVE_INFINITY, onSome: (end) => end + skew })
}

/** A ticket still in line: handed out and neither served nor skipped. */
export const ticketInLine = (item: StoredItem, ticket: Option.Option<number>): boolean =>
  Option.isSome(ticket) && ticket.value > item.lock.served && ticket.value <= item.lock.ticket

/**
 * Decides the next step of a waiter holding `ticket` (if any) with owner token `token`.
 *
 * Fairness: waiters take increasing tickets; a free lock goes to the first ticket in line. Each later ticket may
 * claim it `grace` after the one before it, so a waiter that vanished delays the line by at most `grace`; a
 * client without a ticket may take a free lock only when no ticket is in line.
 */
export const decide = (
  current: Option.Option<StoredItem>,
  token: string,
  ticket: Option.Option<number>,
  now: number,
  settings: Settings
): Decision => {
  if (Option.isNone(current)) return { _tag: "Acquire", served: 0 }
  const item = current.value
  if (Option.isSome(item.lock.owner) && item.lock.owner.value === token) return { _tag: "Mine" }
  const myTicket = Option.filter(ticket, () => ticketInLine(item, ticket))
  const inLine = Option.isSome(myTicket)
  const until = heldUntil(item, settings.skew)
  if (now < until) return inLine ? { _tag: "Wait", until } : { _tag: "TakeTicket", item }
  const freeSince = until === Number.NEGATIVE_INFINITY ? Option.getOrElse(item.expiresAt, () => 0) : until
  const ahead = Option.match(myTicket, {
    onNone: () => item.lock.ticket - item.lock.served,
    onSome: (mine) => mine - item.lock.served - 1
  })
  const turnAt = ahead <= 0 ? Number.NEGATIVE_INFINITY : freeSince + ahead * settings.grace
  if (now >= turnAt) {
    const served = Math.max(item.lock.served, Option.getOrElse(myTicket, () => item.lock.ticket))
    return { _tag: "Acquire", served }
  }
  return inLine ? { _tag: "Wait", until: turnAt } : { _tag: "TakeTicket", item }
}

/** How many tickets are ahead of this waiter's, if its ticket is in line. */
export const ticketsAhead = (current: Option.Option<StoredItem>, ticket: Option.Option<number>): Option.Option<number> =>
  Option.flatMap(current, (item) =>
    ticketInLine(item, ticket) ? Option.map(ticket, (mine) => mine - item.lock.served - 1) : Option.none()
  )
