/** The writes of the lock protocol, as storage-contract requests. */
import { Option } from "effect"
import type { Condition, UpdateRequest } from "../../Storage.js"
import { and, not } from "../../Storage.js"
import { bytesPayload, emptyPayload } from "../payload.js"
import type { Claim } from "./decide.js"
import type { LineEntry } from "./record.js"

/** Take the lease, counted from `now`, when the record is still as the claim saw it. */
export const claimRequest = (args: {
  readonly key: string
  readonly token: string
  readonly value: Uint8Array
  readonly now: number
  readonly ttl: number
  readonly claim: Claim
}): UpdateRequest => ({
  key: args.key,
  condition: args.claim.condition,
  payload: bytesPayload(args.value),
  expiresAt: Option.some(args.now + args.ttl),
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

/**
 * Extend this holder's lease to `sent + ttl`. Only ever forward: a renewal that arrives after a later one must not
 * shorten the lease the holder counts on.
 */
export const renewRequest = (key: string, token: string, sent: number, ttl: number): UpdateRequest => ({
  key,
  condition: and(holds(token), { _tag: "LeaseEndsBefore", at: sent + ttl }),
  expiresAt: Option.some(sent + ttl)
})

/**
 * Give the lease up. The record stays (expired now) so that the fencing counter and the line survive; `hold` tells
 * waiters how long holders of this key tend to hold it.
 */
export const releaseRequest = (key: string, token: string, now: number, hold?: number): UpdateRequest => ({
  key,
  condition: holds(token),
  owner: Option.none(),
  expiresAt: Option.some(now),
  payload: emptyPayload,
  hold
})

/** Break whatever lease the record at `version` has (an operator's forceRelease). */
export const forceReleaseRequest = (key: string, version: number, now: number): UpdateRequest => ({
  key,
  condition: { _tag: "VersionIs", version },
  owner: Option.none(),
  expiresAt: Option.some(now),
  payload: emptyPayload
})
