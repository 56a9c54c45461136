/** Waiting for a lease: poll the record, decide, and write only when the decision says so. */
import { Clock, Effect, Option, ScheduleDecision, ScheduleIntervals } from "effect"
import { AcquireCancelled, isOutcomeUnknown } from "../../Errors.js"
import type { StoreError } from "../../Errors.js"
import type { StoredItem } from "../../Storage.js"
import { decide, ticketInLine } from "./decide.js"
import type { Grant, LeaseContext } from "./lease.js"
import type { ResolvedLockOptions } from "./options.js"
import { acquireRequest, ticketRequest } from "./requests.js"
import type { Settings } from "./settings.js"

/** Set before any write that could make this waiter the owner, so that a failed wait cleans up after it. */
export interface Attempts {
  maybeOwner: boolean
}

export const obtain = (
  context: LeaseContext,
  settings: Settings,
  key: string,
  token: string,
  options: ResolvedLockOptions,
  attempts: Attempts
): Effect.Effect<Grant, AcquireCancelled | StoreError> => {
  const { storage } = context
  const grant = (item: StoredItem, start: number): Grant => ({
    key,
    token,
    fence: item.lock.fence,
    value: options.value,
    start,
    ttl: options.ttl,
    renew: options.renew
  })
  const held = new AcquireCancelled({ key, reason: "Held" })

  const loop = Effect.gen(function* () {
    let ticket = Option.none<number>()
    // What this client saw when it last released the key saves the first read of a tight re-acquire loop.
    let known = Option.fromNullable(context.lastReleased.get(key)).pipe(Option.map(Option.some<StoredItem>))
    context.lastReleased.delete(key)
    let scheduleState: unknown = options.retry.initial
    while (true) {
      const current = Option.isSome(known) ? known.value : yield* storage.get(key, true)
      known = Option.none()
      const now = yield* Clock.currentTimeMillis
      const decision = decide(current, token, ticket, now, settings)
      switch (decision._tag) {
        case "Mine": {
          // An earlier write whose answer was lost did apply; its lease counts from when it was sent.
          const item = Option.getOrUndefined(current)!
          return grant(item, Option.getOrElse(item.expiresAt, () => now) - options.ttl)
        }
        case "Acquire": {
          const request = acquireRequest({ key, current, token, value: options.value, now, ttl: options.ttl, served: decision.served })
          // The write that may make us the owner is never cut short: its outcome must be known or marked.
          const outcome = yield* Effect.uninterruptible(
            Effect.suspend(() => {
              attempts.maybeOwner = true
              return Effect.either(storage.update(request))
            })
          )
          if (outcome._tag === "Left") {
            if (!isOutcomeUnknown(outcome.left)) return yield* outcome.left
            continue // read back: the next decision is "Mine" if it applied
          }
          if (outcome.right._tag === "Applied") {
            const item = Option.getOrUndefined(outcome.right.item)
            if (item !== undefined) return grant(item, now)
            continue
          }
          known = Option.some(outcome.right.current)
          continue
        }
        case "TakeTicket": {
          if (!options.wait) return yield* held
          const outcome = yield* Effect.either(storage.update(ticketRequest(decision.item)))
          if (outcome._tag === "Left") {
            if (!isOutcomeUnknown(outcome.left)) return yield* outcome.left
            continue
          }
          if (outcome.right._tag === "Applied") {
            ticket = Option.map(outcome.right.item, (item) => item.lock.ticket)
            known = Option.some(outcome.right.item)
          } else {
            known = Option.some(outcome.right.current)
          }
          continue
        }
        case "Wait": {
          if (!options.wait) return yield* held
          const [nextState, , step] = yield* options.retry.step(now, undefined, scheduleState)
          if (ScheduleDecision.isDone(step)) return yield* new AcquireCancelled({ key, reason: "ScheduleExhausted" })
          scheduleState = nextState
          const inLine = Option.exists(current, (item) => ticketInLine(item, ticket))
          // A waiter in line must look at least twice per grace period, or it would lose its turn.
          const delay = Math.min(
            ScheduleIntervals.start(step.intervals) - now,
            decision.until - now,
            inLine ? settings.grace / 2 : Number.POSITIVE_INFINITY
          )
          yield* context.gate.sleep(key, delay)
        }
      }
    }
  })

  const waited = options.wait ? context.gate.serialize(key, loop) : loop
  return Option.match(options.timeout, {
    onNone: () => waited,
    onSome: (millis) =>
      Effect.timeoutFail(waited, { duration: millis, onTimeout: () => new AcquireCancelled({ key, reason: "Timeout" }) })
  })
}
