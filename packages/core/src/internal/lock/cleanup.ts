/**
 * After a wait that ended without the lease (timeout, interruption, schedule exhausted, a store failure): leave
 * nothing behind that could delay anyone else, neither a lease a lost answer may have given us nor a place in line.
 */
import { Clock, Duration, Effect, Option, Schedule } from "effect"
import type { StoreError } from "../../Errors.js"
import { isOutcomeUnknown } from "../../Errors.js"
import type { StoredItem } from "../../Storage.js"
import type { LockContext } from "./context.js"
import type { Footprint } from "./footprint.js"
import { mayOwn, sawRecord } from "./footprint.js"
import { count, lockWithdrawals } from "../../Observability.js"
import { bounded } from "../bounded.js"
import type { Kind } from "./kind.js"
import { finalizerBound } from "./lease.js"
import { lineOf } from "./record.js"
import { withdrawRequest } from "./requests.js"

/** Removals race other waiters' joins and claims; each rejection shows the line as it is, to try again on. */
const withdrawAttempts = 5

/**
 * How long leaving the line may hold up the end of a wait. A place left behind lapses by itself within
 * `queueGrace + maxClockSkew`, so a store that does not answer at once is not worth waiting for longer.
 */
const withdrawBound = Duration.seconds(1)

const withdraw = (
  context: LockContext,
  key: string,
  token: string,
  current: Option.Option<StoredItem>,
  attempt = 1
): Effect.Effect<boolean, StoreError> => {
  const mine = Option.match(current, {
    onNone: () => [],
    onSome: (item) => lineOf(item).filter((entry) => entry.token === token)
  })
  if (mine.length === 0) return Effect.succeed(false)
  return Effect.flatMap(Effect.either(context.storage.update(withdrawRequest(key, mine))), (outcome) => {
    if (outcome._tag === "Right") {
      if (outcome.right._tag === "Applied") return Effect.succeed(true)
      return attempt >= withdrawAttempts
        ? Effect.succeed(false)
        : withdraw(context, key, token, outcome.right.current, attempt + 1)
    }
    if (!isOutcomeUnknown(outcome.left) || attempt >= withdrawAttempts) return Effect.fail(outcome.left)
    return Effect.flatMap(context.storage.get(key, true), (reread) =>
      withdraw(context, key, token, reread, attempt + 1)
    )
  })
}

const versionOf = (record: Option.Option<StoredItem>): Option.Option<number> =>
  Option.map(record, (item) => item.version)

const giveBackRetry = Schedule.exponential("50 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))

/** Gives back whatever lease the record shows us having, reading it again after any doubt. */
const giveBack = (context: LockContext, key: string, kind: Kind, known: Option.Option<StoredItem>) => {
  const once = (current: Option.Option<StoredItem>): Effect.Effect<void, StoreError> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Option.match(kind.giveBack(current, now), {
        onNone: () => Effect.void,
        onSome: (request) =>
          Effect.flatMap(context.storage.update(request), (outcome) =>
            outcome._tag === "Applied"
              ? context.gate.released(key)
              : // Refused: still ours (a semaphore's holders moved), or not ours any more, and then done. Sent again
                // only on a record that changed: the same one would refuse the same request again, at once, forever.
                Option.exists(
                    outcome.current,
                    (item) => Option.isSome(kind.leaseEnd(item)) && !Option.contains(versionOf(current), item.version)
                  )
                ? once(outcome.current)
                : Effect.void
          )
      })
    )
  return once(known).pipe(
    Effect.catchAll((error) =>
      isOutcomeUnknown(error) || error.reason === "Throttled"
        ? Effect.retry(Effect.flatMap(context.storage.get(key, true), once), giveBackRetry)
        : Effect.fail(error)
    )
  )
}

const current = (context: LockContext, key: string, footprint: Footprint) =>
  footprint.uncertain || Option.isNone(footprint.seen)
    ? context.storage.get(key, true)
    : Effect.succeed(footprint.seen.value)

/**
 * Undoes whatever `footprint` says the wait may have left in the store. A lease a lost answer may have given us
 * is worth up to `finalizerBound` (others would wait for it to expire); a place in line only `withdrawBound`.
 */
export const leaveNothingBehind = (
  context: LockContext,
  key: string,
  token: string,
  footprint: Footprint,
  kind: Kind
): Effect.Effect<void> => {
  const leaveLine = (record: Option.Option<StoredItem>) =>
    footprint.joined
      ? bounded(withdraw(context, key, token, record), withdrawBound).pipe(
          Effect.matchEffect({
            onFailure: () => count(lockWithdrawals, { kind: kind.name, outcome: "left" }),
            onSuccess: (removed) =>
              removed ? count(lockWithdrawals, { kind: kind.name, outcome: "withdrawn" }) : Effect.void
          })
        )
      : Effect.void
  if (mayOwn(footprint, kind.leaseEnd)) {
    const releaseIfOurs = Effect.tap(current(context, key, footprint), (record) =>
      mayOwn(sawRecord(footprint, record), kind.leaseEnd) ? giveBack(context, key, kind, record) : Effect.void
    )
    return bounded(releaseIfOurs, finalizerBound).pipe(
      Effect.tapErrorCause((cause) =>
        Effect.logWarning(`dynalock: a lease of lock ${key} may be left to expire`, cause)
      ),
      // A release leaves the line as it was, so the record just read still shows where our places are.
      Effect.flatMap(leaveLine),
      Effect.ignore
    )
  }
  return footprint.joined
    ? bounded(Effect.flatMap(current(context, key, footprint), leaveLine), withdrawBound).pipe(Effect.ignore)
    : Effect.void
}
