/** The operator's view of locks: what a record shows, which locks are held, and breaking a stuck one. */
import { Clock, DateTime, Effect, Option } from "effect"
import type { StoreError } from "../../Errors.js"
import type { LockState } from "../../Locker.js"
import type { StoredItem, UpdateRequest } from "../../Storage.js"
import { payloadBytes } from "../payload.js"
import type { LockContext } from "./context.js"
import { holdersOf, isWaiting, lineOf } from "./record.js"
import { forceReleaseRequest } from "./requests.js"

/** Breaks whatever the record holds: a plain lock's lease, or every holder of a semaphore. */
const breakRequest = (item: StoredItem, now: number, skew: number): UpdateRequest =>
  Option.isSome(item.lock.limit) && !item.foreign
    ? {
        key: item.key,
        bump: false,
        condition: { _tag: "ListIs", list: "holders", entries: item.lock.holders },
        holders: { _tag: "Set", entries: [] }
      }
    : forceReleaseRequest(item, now, skew)

/**
 * The end of the lease a record has, whether it has passed or not: none when released (or never leased). For a
 * semaphore, the latest end of its holders' leases.
 */
const leaseEnd = (item: StoredItem, now: number): Option.Option<number> => {
  if (Option.isSome(item.lock.limit) && !item.foreign) {
    const ends = holdersOf(item)
      .map((holder) => holder.deadline)
      .filter((end) => end > now)
    return ends.length === 0 ? Option.none() : Option.some(Math.max(...ends))
  }
  return item.version === 0 || (!item.foreign && Option.isNone(item.lock.owner)) ? Option.none() : item.expiresAt
}

/** A record as this client reads it at `now`. */
const stateOf = (context: LockContext, item: StoredItem, now: number): LockState => {
  const live = Option.filter(leaseEnd(item, now), (end) => now < end)
  const holder = item.foreign ? Option.none<string>() : item.lock.owner
  return {
    key: item.key,
    held: Option.isSome(live),
    fencingToken: BigInt(item.lock.fence),
    expires: Option.map(live, (end) => DateTime.unsafeMake(end)),
    value: Option.isSome(live) ? payloadBytes(item.payload) : new Uint8Array(0),
    waiting: lineOf(item).filter((entry) => isWaiting(entry, now, context.settings, holder)).length
  }
}

export const inspect = (context: LockContext, key: string): Effect.Effect<Option.Option<LockState>, StoreError> =>
  Effect.flatMap(context.storage.get(key, true), (current) =>
    Effect.map(Clock.currentTimeMillis, (now) => Option.map(current, (item) => stateOf(context, item, now)))
  )

const heldPages = (
  context: LockContext,
  prefix: string,
  after: Option.Option<string>,
  into: Array<LockState>
): Effect.Effect<Array<LockState>, StoreError> =>
  Effect.flatMap(context.storage.query({ prefix, consistent: true, after }), (page) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      for (const item of page.items) {
        const state = stateOf(context, item, now)
        if (state.held) into.push(state)
      }
      return Option.isSome(page.next) ? heldPages(context, prefix, page.next, into) : Effect.succeed(into)
    })
  )

export const list = (context: LockContext, prefix: string): Effect.Effect<ReadonlyArray<LockState>, StoreError> =>
  heldPages(context, prefix, Option.none(), [])

/** Another writer may change the record between our read and our write; each rejection shows it as it is. */
const forceAttempts = 5

const forceOn = (
  context: LockContext,
  key: string,
  current: Option.Option<StoredItem>,
  attempt: number
): Effect.Effect<boolean, StoreError> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    if (Option.isNone(current) || !stateOf(context, current.value, now).held) return Effect.succeed(false)
    return Effect.flatMap(
      context.storage.update(breakRequest(current.value, now, context.settings.skew)),
      (outcome) => {
        if (outcome._tag === "Applied") return Effect.as(context.gate.released(key), true)
        return attempt >= forceAttempts ? Effect.succeed(false) : forceOn(context, key, outcome.current, attempt + 1)
      }
    )
  })

export const forceRelease = (context: LockContext, key: string): Effect.Effect<boolean, StoreError> =>
  Effect.flatMap(context.storage.get(key, true), (current) => forceOn(context, key, current, 1))
