/** Held permits: their entry among the semaphore's holders renewed in place, and removed when given back. */
import { Clock, Effect, Option, Ref } from "effect"
import type { Scope } from "effect"
import { isOutcomeUnknown, StoreError } from "../../Errors.js"
import type { Permit } from "../../Locker.js"
import type { StoredItem } from "../../Storage.js"
import type { Grant, LockContext } from "../lock/context.js"
import { keepLease, releaseRetry } from "../lock/lease.js"
import type { RenewalResult } from "../lock/lease.js"
import { formatEntry, holdersOf } from "../lock/record.js"
import type { LineEntry } from "../lock/record.js"
import { removeHolder, renewHolder } from "./kind.js"

/** Entries move when holders before them leave; each refusal shows where ours is now. */
const moves = 5

/** Holders kept leaving before ours faster than we could renew: a passing conflict, to be retried. */
const movedAway = (key: string) =>
  new StoreError({
    operation: "renew",
    reason: "Throttled",
    cause: undefined,
    applied: "no",
    detail: `the holders of semaphore ${key} kept changing while its permits were renewed`
  })

export const holdPermit = (
  context: LockContext,
  grant: Grant,
  permits: number
): Effect.Effect<Permit, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { key, token, ttl } = grant
    const ownIn = (current: Option.Option<StoredItem>): LineEntry | undefined =>
      Option.getOrUndefined(
        Option.flatMap(current, (item) => Option.fromNullable(holdersOf(item).find((holder) => holder.token === token)))
      )
    // Our entry as last seen: where it was and what it said.
    // (Where it is, the index, is learnt from the record at the first renewal.)
    const entry = yield* Ref.make<{ readonly index: number; readonly raw: string }>({
      index: -1,
      raw: formatEntry(token, grant.leaseEnd, permits)
    })

    const renewOnce: Effect.Effect<RenewalResult, StoreError> = Effect.gen(function* () {
      const sent = yield* Clock.currentTimeMillis
      const leaseEnd = sent + ttl
      const renewed = formatEntry(token, leaseEnd, permits)
      let at = yield* Ref.get(entry)
      for (let attempt = 1; ; attempt++) {
        if (at.index < 0) {
          const own = ownIn(yield* context.storage.get(key, true))
          if (own === undefined) return { _tag: "Lost", reason: "Vanished" }
          at = own
        }
        const outcome = yield* Effect.either(context.storage.update(renewHolder(key, at.index, at.raw, renewed)))
        if (outcome._tag === "Left") {
          if (!isOutcomeUnknown(outcome.left)) return yield* outcome.left
          // The renewal may have applied: only the record can tell.
          const own = ownIn(yield* context.storage.get(key, true))
          if (own === undefined) return { _tag: "Lost", reason: "Vanished" }
          yield* Ref.set(entry, own)
          if (own.raw === renewed) return { _tag: "Renewed", leaseEnd }
          return yield* outcome.left
        }
        if (outcome.right._tag === "Applied") {
          yield* Ref.set(entry, { index: at.index, raw: renewed })
          return { _tag: "Renewed", leaseEnd }
        }
        const own = ownIn(outcome.right.current)
        if (own === undefined) return { _tag: "Lost", reason: "Vanished" }
        yield* Ref.set(entry, own)
        // Only this holder writes its entry: if it changed, an earlier renewal of ours applied after all.
        if (own.raw !== at.raw) return { _tag: "Renewed", leaseEnd: Math.min(own.deadline, leaseEnd) }
        if (attempt >= moves) return yield* movedAway(key)
        at = own
      }
    })

    const releaseOnce: Effect.Effect<void, StoreError> = Effect.gen(function* () {
      for (let attempt = 0; attempt < moves; attempt++) {
        const current = yield* context.storage.get(key, true)
        const own = ownIn(current)
        if (own === undefined) return
        const outcome = yield* context.storage.update(removeHolder(key, own.index, own.raw))
        if (outcome._tag === "Applied" || ownIn(outcome.current) === undefined) return
      }
    })
    // Each try reads first and removes only this holder's entry: after a fault (even one whose write applied), trying
    // again is harmless, and a permit otherwise stays taken until its lease ends.
    const release = Effect.catchAll(releaseOnce, () => Effect.retry(releaseOnce, releaseRetry))

    const kept = yield* keepLease(context, grant, {
      renewOnce,
      release: () => release,
      exclusive: false,
      kind: "semaphore"
    })
    return { key, permits, ...kept }
  })
