/** A held lease: background renewal, loss detection, and release (early or when the scope closes). */
import { Clock, Context, Deferred, Duration, Effect, FiberId, Option, Schedule, Scope } from "effect"
import { isOutcomeUnknown, LockLost } from "../../Errors.js"
import type { LockLostReason, StoreError } from "../../Errors.js"
import type { Lock } from "../../Locker.js"
import type { StoredItem } from "../../Storage.js"
import type { Grant, LockContext } from "./context.js"
import { count, lockHold, lockLosses, lockRenewals, time, unsafeRecord } from "../../Observability.js"
import { operationSpanEffect as span } from "../tracing.js"
import { bounded } from "../bounded.js"
import { safetyMargin } from "./decide.js"
import { ownLeaseEnd } from "./record.js"
import { releaseRequest, renewRequest } from "./requests.js"
import type { HeldLease } from "./requests.js"
import type { Cancel } from "./renewals.js"

type Status =
  | { readonly _tag: "Held"; readonly leaseEnd: number }
  | { readonly _tag: "Lost"; readonly reason: LockLostReason }
  | { readonly _tag: "Released" }

const released: Status = { _tag: "Released" }

/** Finalizers never hang: a release that cannot finish in this time is left to the lease expiry. */
export const finalizerBound = Duration.seconds(5)

const lossReason = (current: Option.Option<StoredItem>): LockLostReason =>
  Option.isSome(current) && (current.value.foreign || Option.isSome(current.value.lock.owner))
    ? "TakenOver"
    : "Vanished"

/** How a release that failed is retried: a release only removes what is ours, so sending it again is harmless. */
export const releaseRetry = Schedule.exponential("50 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(4))
)

/**
 * The estimate of a key's typical hold after one more holding, `held` ms from the claim's send time: a moving
 * average that follows changes quickly. A key's first holding counts from the claim's answer instead: the first
 * claims of clients starting together queue at the store (140 ms measured, 8 processes, against 3-5 ms after),
 * and waiters timing their looks by a hold that long would each look several holdings too late.
 */
const nextTypicalHold = (before: number, held: number, claimRoundTrip: number): number =>
  Math.max(1, Math.round(before === 0 ? held - claimRoundTrip : before * 0.7 + held * 0.3))

/**
 * Releases `token`'s lease if it still holds one, the request sent at `now`. A release whose outcome is unknown is
 * checked by reading back. `held` is how long it was held, for the key's typical-hold estimate.
 */
const releaseInStore = (
  context: LockContext,
  key: string,
  lease: HeldLease,
  now: number,
  hold?: number
): Effect.Effect<void, StoreError> => {
  const once = (sentAt: number): Effect.Effect<void, StoreError> =>
    Effect.matchEffect(context.storage.update(releaseRequest(key, lease, sentAt, context.settings.skew, hold)), {
      onSuccess: (outcome) => {
        if (outcome._tag !== "Applied") return Effect.void
        Option.match(outcome.item, {
          onNone: () => context.hints.delete(key),
          onSome: (item) => context.hints.set(key, item.lock.line.length > 0 ? "contended" : { released: item })
        })
        return context.gate.released(key)
      },
      onFailure: (error) =>
        !isOutcomeUnknown(error)
          ? Effect.fail(error)
          : Effect.flatMap(context.storage.get(key, true), (current) =>
              Option.exists(current, (item) => Option.isSome(ownLeaseEnd(item, lease.token)))
                ? Effect.fail(error)
                : context.gate.released(key)
            )
    })
  // Retried only once it failed: most releases succeed at once, and a retry schedule costs its driver every time.
  return Effect.catchAll(once(now), () => Effect.retry(Effect.flatMap(Clock.currentTimeMillis, once), releaseRetry))
}

/** The lease a grant is: it began when its claim was sent, `ttl` before the lease end it was granted with. */
const heldLease = (grant: Grant): HeldLease => ({ token: grant.token, since: grant.leaseEnd - grant.ttl })

/** What one renewal achieved. */
export type RenewalResult =
  { readonly _tag: "Renewed"; readonly leaseEnd: number } | { readonly _tag: "Lost"; readonly reason: LockLostReason }

const renewOnce = (context: LockContext, grant: Grant): Effect.Effect<RenewalResult, StoreError> =>
  Effect.gen(function* () {
    const sent = yield* Clock.currentTimeMillis
    const leaseEnd = sent + grant.ttl
    const outcome = yield* Effect.either(
      context.storage.update(renewRequest(grant.key, heldLease(grant), sent, grant.ttl, context.settings.skew))
    )
    if (outcome._tag === "Right") {
      if (outcome.right._tag === "Applied") return { _tag: "Renewed", leaseEnd } as const
      // Rejected while still ours: a renewal sent later applied first (ours are only ever forward).
      const current = outcome.right.current
      const recorded = Option.flatMap(current, (item) => ownLeaseEnd(item, grant.token))
      return Option.isSome(recorded)
        ? ({ _tag: "Renewed", leaseEnd: Math.min(recorded.value, leaseEnd) } as const)
        : ({ _tag: "Lost", reason: lossReason(current) } as const)
    }
    if (!isOutcomeUnknown(outcome.left)) return yield* outcome.left
    // The renewal may have applied: only the record can tell.
    const current = yield* context.storage.get(grant.key, true)
    const recorded = Option.flatMap(current, (item) => ownLeaseEnd(item, grant.token))
    if (Option.isNone(recorded)) return { _tag: "Lost", reason: lossReason(current) } as const
    return recorded.value >= leaseEnd ? ({ _tag: "Renewed", leaseEnd } as const) : yield* outcome.left
  })

/** What keeping a lease of some kind needs: how to renew it once, and how to give it back. */
interface LeaseOps {
  readonly renewOnce: Effect.Effect<RenewalResult, StoreError>
  /** Gives the lease back, the request sent at `now`, after it was held for `held` ms. */
  readonly release: (now: number, held: number) => Effect.Effect<void, StoreError>
  /** Whether the lease excludes this client's own other waiters (a plain lock; not a semaphore's permits). */
  readonly exclusive: boolean
  /** For the metrics' `kind` tag. */
  readonly kind: "lock" | "semaphore"
}

/** The caller's handle on a kept lease. */
interface KeptLease {
  readonly lost: Effect.Effect<never, LockLost>
  readonly remaining: Effect.Effect<Duration.Duration>
  readonly release: Effect.Effect<void, StoreError>
}

/**
 * Keeps a granted lease in the current scope: renews it in the background (or watches it run out), reports its
 * loss before anyone else can take it over, and gives it back early or when the scope closes.
 */
export const keepLease = (
  context: LockContext,
  grant: Grant,
  ops: LeaseOps
): Effect.Effect<KeptLease, never, Scope.Scope> =>
  // All in one step of the acquiring fiber but for the finalizer's registration: this is every acquisition's path.
  Effect.withFiberRuntime((fiber) => {
    const { key, ttl } = grant
    const margin = safetyMargin(ttl)
    const acquiredAt = grant.leaseEnd - ttl
    // A plain variable, not a `Ref`: every read and change of it is one synchronous step of some fiber.
    let status: Status = { _tag: "Held", leaseEnd: grant.leaseEnd }
    // The acquiring fiber's clock, read synchronously (each `Clock.currentTimeMillis` costs two fiber steps).
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    // Made only when someone waits for the loss (a Deferred costs more than the rest of keeping a lease).
    let lostSignal: Deferred.Deferred<never, LockLost> | undefined
    const letGo = ops.exclusive ? context.gate.unsafeHold(key) : context.gate.released(key)

    const spanAttributes = { key, partition: context.storage.partition, table: context.storage.table }
    const handle = ops.kind === "lock" ? "Lock" : "Permit"
    const kindTags = { kind: ops.kind }
    const held = Effect.suspend(() => time(lockHold, clock.unsafeCurrentTimeMillis() - acquiredAt, kindTags))
    const renewed = (outcome: string) => count(lockRenewals, { kind: ops.kind, outcome })

    const markLost = (reason: LockLostReason) =>
      Effect.suspend(() => {
        if (status._tag !== "Held") return Effect.void
        status = { _tag: "Lost", reason }
        return Effect.all(
          [
            lostSignal === undefined ? Effect.void : Deferred.fail(lostSignal, new LockLost({ key, reason })),
            letGo,
            count(lockLosses, { kind: ops.kind, reason }),
            held
          ],
          { discard: true }
        )
      })

    const leaseEnd = Effect.sync(() => (status._tag === "Held" ? Option.some(status.leaseEnd) : Option.none()))

    // Renew at a third of the lease; retry transient failures until the local deadline minus the margin, and
    // report the loss by then at the latest: other clients wait for the lease end plus the skew bound. The
    // client's one timer starts each renewal when it is due (or, without renewal, reports the loss).
    let cancelNext: Cancel = () => Effect.void
    const renewal: Effect.Effect<void> = Effect.gen(function* () {
      const end = yield* leaseEnd
      if (Option.isNone(end)) return
      const giveUpAt = end.value - margin
      const now = clock.unsafeCurrentTimeMillis()
      const transientRetry = Schedule.exponential(Duration.millis(Math.max(1, ttl / 50))).pipe(
        Schedule.jittered,
        Schedule.union(Schedule.spaced(Duration.millis(Math.max(1, ttl / 10))))
      )
      const result = yield* ops.renewOnce.pipe(
        Effect.retry(transientRetry),
        Effect.timeout(Duration.millis(Math.max(0, giveUpAt - now))),
        Effect.option,
        span(`${handle}.renew`, spanAttributes)
      )
      if (Option.isNone(result)) return yield* Effect.zipRight(renewed("expired"), markLost("Expired"))
      if (result.value._tag === "Lost") return yield* Effect.zipRight(renewed("lost"), markLost(result.value.reason))
      yield* renewed("renewed")
      const renewedEnd = result.value.leaseEnd
      if (status._tag === "Held") {
        status = { _tag: "Held", leaseEnd: Math.max(status.leaseEnd, renewedEnd) }
        cancelNext = yield* context.renewals.schedule(status.leaseEnd - ttl + ttl / 3, renewal)
      }
    })
    cancelNext = grant.renew
      ? context.renewals.unsafeSchedule(grant.leaseEnd - ttl + ttl / 3, renewal)
      : context.renewals.unsafeSchedule(grant.leaseEnd - margin, markLost("Expired"))

    // Idempotent: the first call gives the lease back; any later one finds it released and returns.
    const release: Effect.Effect<void, StoreError> = Effect.withFiberRuntime<void, StoreError>((fiber) => {
      const before = status
      if (before._tag === "Released") return Effect.void
      status = released
      const now = clock.unsafeCurrentTimeMillis()
      if (before._tag === "Held") unsafeRecord(fiber, lockHold, now - acquiredAt, kindTags)
      const stopped = cancelNext()
      // A lease lost to another holder is not ours to give back; one that expired may still be in the record.
      if (before._tag === "Lost" && before.reason !== "Expired") return stopped
      const giveBack = ops.release(now, now - acquiredAt)
      return stopped === Effect.void ? giveBack : Effect.zipRight(stopped, giveBack)
    }).pipe(Effect.ensuring(letGo), span(`${handle}.release`, spanAttributes))
    // Scope.addFinalizer, not Effect.addFinalizer: that one also restores the fiber's references when it runs,
    // at several times the cost of the rest of the release.
    const finalizer = Effect.suspend(() =>
      status._tag === "Released" ? Effect.void : bounded(release, finalizerBound)
    ).pipe(Effect.catchAllCause((cause) => Effect.logWarning(`dynalock: release of ${key} left to expiry`, cause)))

    const lost = Effect.suspend(() => {
      lostSignal ??= Deferred.unsafeMake<never, LockLost>(FiberId.none)
      return status._tag === "Lost"
        ? Effect.fail(new LockLost({ key, reason: status.reason }))
        : Deferred.await(lostSignal)
    })

    const kept: KeptLease = {
      lost,
      remaining: Effect.gen(function* () {
        const end = yield* leaseEnd
        const now = clock.unsafeCurrentTimeMillis()
        return Duration.millis(Option.match(end, { onNone: () => 0, onSome: (at) => Math.max(0, at - now) }))
      }),
      release
    }
    return Effect.as(Scope.addFinalizer(Context.unsafeGet(fiber.currentContext, Scope.Scope), finalizer), kept)
  })

/** Holds a granted plain lock in the current scope and returns the caller's handle on it. */
export const holdLease = (context: LockContext, grant: Grant): Effect.Effect<Lock, never, Scope.Scope> =>
  Effect.map(
    keepLease(context, grant, {
      renewOnce: renewOnce(context, grant),
      release: (now, held) =>
        releaseInStore(
          context,
          grant.key,
          heldLease(grant),
          now,
          nextTypicalHold(grant.typicalHold, held, grant.claimRoundTrip)
        ),
      exclusive: true,
      kind: "lock"
    }),
    (kept) => ({ key: grant.key, fencingToken: BigInt(grant.fence), value: grant.value, ...kept })
  )
