/** A held lease: background renewal, loss detection, and release (early or when the scope closes). */
import { Clock, Deferred, Duration, Effect, Fiber, Option, Ref, Schedule } from "effect"
import type { Scope } from "effect"
import { isOutcomeUnknown, LockLost } from "../../Errors.js"
import type { LockLostReason, StoreError } from "../../Errors.js"
import type { Lock } from "../../Locker.js"
import type { Storage, StoredItem } from "../../Storage.js"
import type { Gate } from "./gate.js"
import { releaseRequest, renewRequest } from "./requests.js"

/** What an acquisition won. `start` is when the winning write was sent: the lease is counted from then. */
export interface Grant {
  readonly key: string
  readonly token: string
  readonly fence: number
  readonly value: Uint8Array
  readonly start: number
  readonly ttl: number
  readonly renew: boolean
}

export interface LeaseContext {
  readonly storage: Storage
  readonly gate: Gate
  /** Records this client released last, so that its next acquisition of the key can skip a read. */
  readonly lastReleased: Map<string, StoredItem>
}

type Status =
  | { readonly _tag: "Held"; readonly start: number }
  | { readonly _tag: "Lost"; readonly reason: LockLostReason }
  | { readonly _tag: "Released" }

/** The holder gives the lease up locally this long before it ends, to stop its work in time. */
export const safetyMargin = (ttl: number): number => Math.min(Math.max(ttl / 5, 1), 2000)

/** Finalizers never hang: a release that cannot finish in this time is left to the lease expiry. */
const finalizerBound = Duration.seconds(5)

const lossReason = (current: Option.Option<StoredItem>): LockLostReason =>
  Option.isSome(current) && Option.isSome(current.value.lock.owner) ? "TakenOver" : "Vanished"

const ownedBy = (current: Option.Option<StoredItem>, token: string): boolean =>
  Option.isSome(current) && Option.contains(current.value.lock.owner, token)

const releaseRetry = Schedule.exponential("50 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(4)))

/** Releases `token`'s lease if it holds one. A release whose outcome is unknown is checked by reading back. */
export const releaseInStore = (context: LeaseContext, key: string, token: string): Effect.Effect<void, StoreError> => {
  const once = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const outcome = yield* Effect.either(context.storage.update(releaseRequest(key, token, now)))
    if (outcome._tag === "Right") {
      if (outcome.right._tag === "Applied") {
        Option.map(outcome.right.item, (item) => context.lastReleased.set(key, item))
        yield* context.gate.released(key)
      }
      return
    }
    if (!isOutcomeUnknown(outcome.left)) return yield* outcome.left
    const current = yield* context.storage.get(key, true)
    if (ownedBy(current, token)) return yield* outcome.left
    yield* context.gate.released(key)
  })
  return Effect.retry(once, releaseRetry)
}

type RenewalResult = { readonly _tag: "Renewed"; readonly start: number } | { readonly _tag: "Lost"; readonly reason: LockLostReason }

const renewOnce = (context: LeaseContext, grant: Grant): Effect.Effect<RenewalResult, StoreError> =>
  Effect.gen(function* () {
    const sent = yield* Clock.currentTimeMillis
    const outcome = yield* Effect.either(context.storage.update(renewRequest(grant.key, grant.token, sent, grant.ttl)))
    if (outcome._tag === "Right") {
      return outcome.right._tag === "Applied"
        ? ({ _tag: "Renewed", start: sent } as const)
        : ({ _tag: "Lost", reason: lossReason(outcome.right.current) } as const)
    }
    if (!isOutcomeUnknown(outcome.left)) return yield* outcome.left
    // The renewal may have applied: only the record can tell.
    const current = yield* context.storage.get(grant.key, true)
    if (!ownedBy(current, grant.token)) return { _tag: "Lost", reason: lossReason(current) } as const
    const applied = Option.exists(current, (item) => Option.contains(item.expiresAt, sent + grant.ttl))
    return applied ? ({ _tag: "Renewed", start: sent } as const) : yield* outcome.left
  })

/** Holds a granted lease in the current scope and returns the caller's handle on it. */
export const holdLease = (context: LeaseContext, grant: Grant): Effect.Effect<Lock, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { key, ttl } = grant
    const margin = safetyMargin(ttl)
    const status = yield* Ref.make<Status>({ _tag: "Held", start: grant.start })
    const lostSignal = yield* Deferred.make<never, LockLost>()
    const letGo = yield* context.gate.hold(key)

    const markLost = (reason: LockLostReason) =>
      Ref.modify(status, (current): [boolean, Status] =>
        current._tag === "Held" ? [true, { _tag: "Lost", reason }] : [false, current]
      ).pipe(
        Effect.flatMap((changed) =>
          changed ? Effect.zipRight(Deferred.fail(lostSignal, new LockLost({ key, reason })), letGo) : Effect.void
        )
      )

    const sleepUntil = (at: number) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sleep(Duration.millis(Math.max(0, at - now))))

    const heldSince = Effect.map(Ref.get(status), (current) => (current._tag === "Held" ? Option.some(current.start) : Option.none()))

    // Renew at a third of the lease; retry transient failures until the local deadline minus the margin,
    // and report the loss by then at the latest: other clients wait for the lease end plus the skew bound.
    const transientRetry = Schedule.exponential(Duration.millis(Math.max(1, ttl / 50))).pipe(
      Schedule.jittered,
      Schedule.union(Schedule.spaced(Duration.millis(Math.max(1, ttl / 10))))
    )
    const renewal: Effect.Effect<void> = Effect.gen(function* () {
      while (true) {
        const start = yield* heldSince
        if (Option.isNone(start)) return
        yield* sleepUntil(start.value + ttl / 3)
        const giveUpAt = start.value + ttl - margin
        const now = yield* Clock.currentTimeMillis
        const result = yield* renewOnce(context, grant).pipe(
          Effect.retry(transientRetry),
          Effect.timeout(Duration.millis(Math.max(0, giveUpAt - now))),
          Effect.option
        )
        if (Option.isNone(result)) return yield* markLost("Expired")
        if (result.value._tag === "Lost") return yield* markLost(result.value.reason)
        const renewedAt = result.value.start
        yield* Ref.update(status, (current): Status => (current._tag === "Held" ? { _tag: "Held", start: renewedAt } : current))
      }
    })
    const watchdog = Effect.zipRight(sleepUntil(grant.start + ttl - margin), markLost("Expired"))
    const keeper = yield* Effect.forkScoped(Effect.interruptible(grant.renew ? renewal : watchdog))

    const releaseTurn = yield* Effect.makeSemaphore(1)
    const release: Effect.Effect<void, StoreError> = releaseTurn.withPermits(1)(
      Effect.gen(function* () {
        const before = yield* Ref.getAndSet(status, { _tag: "Released" })
        if (before._tag === "Released") return
        yield* Fiber.interrupt(keeper)
        if (before._tag === "Lost" && before.reason !== "Expired") return
        yield* releaseInStore(context, key, grant.token)
      }).pipe(Effect.ensuring(letGo))
    )
    yield* Effect.addFinalizer(() =>
      release.pipe(
        Effect.timeout(finalizerBound),
        Effect.catchAllCause((cause) => Effect.logWarning(`dynalock: release of lock ${key} left to expiry`, cause))
      )
    )

    return {
      key,
      fencingToken: BigInt(grant.fence),
      value: grant.value,
      lost: Deferred.await(lostSignal),
      remaining: Effect.gen(function* () {
        const start = yield* heldSince
        const now = yield* Clock.currentTimeMillis
        return Duration.millis(Option.match(start, { onNone: () => 0, onSome: (at) => Math.max(0, at + ttl - now) }))
      }),
      release
    }
  })
