/** Waiting for a lease: poll the record, decide, and write only when the decision says so. */
import { Clock, Effect, Either, Option, ScheduleDecision, ScheduleIntervals } from "effect"
import { AcquireCancelled, isOutcomeUnknown, isTransient } from "../../Errors.js"
import type { StoreError } from "../../Errors.js"
import type { StoredItem } from "../../Storage.js"
import { decide, ticketsAhead } from "./decide.js"
import type { Decision } from "./decide.js"
import type { Grant, LeaseContext } from "./lease.js"
import { makePace, nextLookAt } from "./pace.js"
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

  let scheduleState: unknown = options.retry.initial
  /** One step of the caller's schedule: sleep until its next poll, or earlier when something can change. */
  const pause = (now: number, until: number, inLine: boolean) =>
    Effect.gen(function* () {
      const [nextState, , step] = yield* options.retry.step(now, undefined, scheduleState)
      if (ScheduleDecision.isDone(step)) return yield* new AcquireCancelled({ key, reason: "ScheduleExhausted" })
      scheduleState = nextState
      // A waiter in line must look at least twice per grace period, or it would lose its turn.
      const delay = Math.min(
        ScheduleIntervals.start(step.intervals) - now,
        until - now,
        inLine ? settings.grace / 2 : Number.POSITIVE_INFINITY
      )
      // Whole milliseconds, at least one: a fractional remainder would round to a zero-length sleep, and the
      // waiter would poll again at once, in a loop that never lets a TestClock (or much real time) move on.
      yield* context.gate.sleep(key, Math.max(1, Math.ceil(delay)))
    })
  /** After a write failed transiently: back off by the schedule, then look again. */
  const backOff = Effect.flatMap(Clock.currentTimeMillis, (now) => pause(now, Number.POSITIVE_INFINITY, false))

  const loop = Effect.gen(function* () {
    let ticket = Option.none<number>()
    // What this client saw when it last released the key saves the first read of a tight re-acquire loop.
    let known = Option.fromNullable(context.lastReleased.get(key)).pipe(Option.map(Option.some<StoredItem>))
    context.lastReleased.delete(key)
    let lastAhead = Number.POSITIVE_INFINITY
    const pace = makePace()
    while (true) {
      // Another lease of this client on this key: its release wakes us, so polling the store would be waste.
      if (options.wait) yield* context.gate.whileHeldHere(key)
      if (Option.isNone(known)) {
        known = Option.fromNullable(context.lastReleased.get(key)).pipe(Option.map(Option.some<StoredItem>))
        context.lastReleased.delete(key)
      }
      const read = Option.isSome(known) ? Either.right(known.value) : yield* Effect.either(storage.get(key, true))
      known = Option.none()
      if (Either.isLeft(read) && (!isTransient(read.left) || !options.wait)) return yield* read.left
      const now = yield* Clock.currentTimeMillis
      // A poll that failed transiently counts as one wait: the schedule bounds how long the store may be away.
      const current = Either.getOrElse(read, () => Option.none<StoredItem>())
      const decision: Decision = Either.isLeft(read)
        ? { _tag: "Wait", until: Number.POSITIVE_INFINITY }
        : decide(current, token, ticket, now, settings)
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
            if (!options.wait || (!isOutcomeUnknown(outcome.left) && !isTransient(outcome.left))) return yield* outcome.left
            yield* backOff
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
            if (!isOutcomeUnknown(outcome.left) && !isTransient(outcome.left)) return yield* outcome.left
            yield* backOff
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
          const ahead = ticketsAhead(current, ticket)
          // Next in line: the holder may let go any moment, so look eagerly again, as at the start.
          if (Option.contains(ahead, 0) && lastAhead > 0) scheduleState = options.retry.initial
          lastAhead = Option.getOrElse(ahead, () => Number.POSITIVE_INFINITY)
          const lookAt = Option.match(Option.all([ahead, current]), {
            onNone: () => Number.POSITIVE_INFINITY,
            onSome: ([before, item]) => nextLookAt(now, before, pace.observe(item.lock.served, now))
          })
          yield* pause(now, Math.min(decision.until, lookAt), Option.isSome(ahead))
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
