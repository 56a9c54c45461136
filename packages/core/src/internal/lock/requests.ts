/** The writes of the lock protocol, as storage-contract requests. */
import { Option } from "effect"
import type { StoredItem, UpdateRequest } from "../../Storage.js"
import { bytesPayload, emptyPayload } from "../payload.js"

/** Take the lease, if the record is still the version the decision was made on. */
export const acquireRequest = (args: {
  readonly key: string
  readonly current: Option.Option<StoredItem>
  readonly token: string
  readonly value: Uint8Array
  readonly now: number
  readonly ttl: number
  readonly served: number
}): UpdateRequest => ({
  key: args.key,
  condition: { _tag: "Version", version: Option.map(args.current, (item) => item.version) },
  payload: bytesPayload(args.value),
  expiresAt: Option.some(args.now + args.ttl),
  owner: Option.some(args.token),
  // Seeding a new counter from the clock keeps tokens increasing even after DynamoDB's TTL collected the record.
  fenceSeed: args.now * 1000,
  served: args.served
})

/** Join the line of waiters. */
export const ticketRequest = (item: StoredItem): UpdateRequest => ({
  key: item.key,
  condition: { _tag: "Version", version: Option.some(item.version) },
  takeTicket: true
})

/** Extend this holder's lease. */
export const renewRequest = (key: string, token: string, now: number, ttl: number): UpdateRequest => ({
  key,
  condition: { _tag: "Owner", owner: token },
  expiresAt: Option.some(now + ttl)
})

/** Give the lease up. The record stays (expired now) so that the fencing counter and the line survive. */
export const releaseRequest = (key: string, token: string, now: number): UpdateRequest => ({
  key,
  condition: { _tag: "Owner", owner: token },
  owner: Option.none(),
  expiresAt: Option.some(now),
  payload: emptyPayload
})
