/** The writes of the lock protocol, as storage-contract requests. */
import { Option } from "effect"
import type { Condition, StoredItem, UpdateRequest } from "../../Storage.js"
import { and, not } from "../../Storage.js"
import { bytesPayload, emptyPayload } from "../payload.js"
import type { Claim } from "./decide.js"
import { sameExpiry } from "./decide.js"
import type { LineEntry } from "./record.js"

/**
 * The earliest `expires` a record may show whose latest fencing token a claim sent at `since` handed out. Until
 * then neither Go dynalock (which deletes the record at its Unlock) nor DynamoDB's TTL may remove the record and its
 * counter: a record made anew seeds its counter from its claimant's clock, and that clock has passed the deleted
 * counter's seed plus the tokens handed out since only once `maxClockSkew` of real time has passed after the latest
 * of them. Twice the skew, by the clock of the claim: the remover's clock may be up to the skew behind it.
 */
const keptUntil = (since: number, skew: number): number => since + 2 * skew

/**
 * The expiry Go dynalock reads for a lease ending at `leaseEnd`, begun at `since`. Go takes a lock once
 * `expires < now` in whole seconds, a second or more after `expires` by its clock, and knows nothing of
 * `maxClockSkew`: showing it the lease `skew - 1 s` later makes it wait as long as our own clients do.
 */
const goLeaseEnd = (leaseEnd: number, since: number, skew: number): number =>
  Math.max(leaseEnd + Math.max(0, skew - 1000), keptUntil(since, skew))

/**
 * What Go dynalock reads for a lease begun at `since` and given up at `now`: expired, so that it may take the lock
 * at once, unless the record is too young to lose its counter.
 */
const goReleased = (now: number, since: number, skew: number): number => Math.max(now - 2000, keptUntil(since, skew))

/** Take the lease, counted from `now`, when the record is still as the claim saw it. */
export const claimRequest = (args: {
  readonly key: string
  readonly token: string
  readonly value: Uint8Array
  readonly now: number
  readonly ttl: number
  readonly skew: number
  readonly claim: Claim
}): UpdateRequest => ({
  key: args.key,
  condition: args.claim.condition,
  payload: bytesPayload(args.value),
  expiresAt: Option.some(args.now + args.ttl),
  foreignExpiresAt: goLeaseEnd(args.now + args.ttl, args.now, args.skew),
  owner: Option.some(args.token),
  // Seeding a new counter from the clock keeps tokens increasing even after DynamoDB's TTL collected the record.
  fenceSeed: args.now * 1000,
  line: args.claim.remove.length === 0 ? undefined : { _tag: "Remove", indices: args.claim.remove },
  since: args.now
})

/**
 * Take a place at the end of the line. Not a versioned write: it never disturbs the holder. It applies at most
 * once (a resent join finds its entry), never to a record that is gone (it would create one with only a line),
 * and never once this token owns the lease (a join that arrived late).
 */
export const joinRequest = (key: string, token: string, entry: string): UpdateRequest => ({
  key,
  bump: false,
  condition: and({ _tag: "Exists" }, not({ _tag: "LineContains", entry }), not({ _tag: "OwnerIs", owner: token })),
  line: { _tag: "Append", entry }
})

/** Renew a place in line, where it is. */
export const refreshRequest = (key: string, entry: LineEntry, renewed: string): UpdateRequest => ({
  key,
  bump: false,
  condition: { _tag: "LineAt", index: entry.index, entry: entry.raw },
  line: { _tag: "Replace", index: entry.index, entry: renewed }
})

/** Leave the line: remove exactly these entries, if they are still where they were. */
export const withdrawRequest = (key: string, entries: ReadonlyArray<LineEntry>): UpdateRequest => ({
  key,
  bump: false,
  condition: and(...entries.map((entry): Condition => ({ _tag: "LineAt", index: entry.index, entry: entry.raw }))),
  line: { _tag: "Remove", indices: entries.map((entry) => entry.index) }
})

/** The lease is still this token's, and its last versioned write was ours (Go dynalock did not take it over). */
const holds = (token: string): Condition => and({ _tag: "OwnerIs", owner: token }, { _tag: "Ours" })

/** A holder's lease: its token, and when the claim that granted it was sent (its clock). */
export interface HeldLease {
  readonly token: string
  readonly since: number
}

/**
 * Extend this holder's lease to `sent + ttl`. Only ever forward: a renewal that arrives after a later one must not
 * shorten the lease the holder counts on.
 */
export const renewRequest = (
  key: string,
  lease: HeldLease,
  sent: number,
  ttl: number,
  skew: number
): UpdateRequest => ({
  key,
  condition: and(holds(lease.token), { _tag: "LeaseEndsBefore", at: sent + ttl }),
  expiresAt: Option.some(sent + ttl),
  foreignExpiresAt: goLeaseEnd(sent + ttl, lease.since, skew)
})

/**
 * Give the lease up. The record stays (expired now) so that the fencing counter and the line survive; `hold` tells
 * waiters how long holders of this key tend to hold it.
 */
export const releaseRequest = (
  key: string,
  lease: HeldLease,
  now: number,
  skew: number,
  hold?: number
): UpdateRequest => ({
  key,
  condition: holds(lease.token),
  owner: Option.none(),
  expiresAt: Option.some(now),
  foreignExpiresAt: goReleased(now, lease.since, skew),
  payload: emptyPayload,
  hold
})

/**
 * Give back the lease the record `item` shows this acquisition holding, which it may not use (the answer came too
 * late), and no later one: the acquisition keeps its token and may claim again, so a copy of this write that lands
 * after that claim must miss it. Pinned to the lease's expiry: each claim sets its own (`sent + ttl`), a later one
 * a later expiry, and a lease given back is never renewed.
 */
export const giveBackRequest = (item: StoredItem, token: string, now: number, skew: number): UpdateRequest => {
  const release = releaseRequest(item.key, { token, since: item.lock.since }, now, skew)
  return { ...release, condition: and(release.condition, ...sameExpiry(item)) }
}

/**
 * Break the lease the record `item` has (an operator's forceRelease), and no other: pinned to its expiry as well as
 * its version, since a record Go dynalock deleted and made anew counts versions from 1 again.
 */
export const forceReleaseRequest = (item: StoredItem, now: number, skew: number): UpdateRequest => ({
  key: item.key,
  condition: and({ _tag: "VersionIs", version: item.version }, ...sameExpiry(item)),
  owner: Option.none(),
  expiresAt: Option.some(now),
  foreignExpiresAt: goReleased(now, item.lock.since, skew),
  payload: emptyPayload
})
