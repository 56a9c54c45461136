/** `LockOptions` checked and resolved to milliseconds, before any request. */
import { Effect, Option, Schedule } from "effect"
import { InvalidInput } from "../../Errors.js"
import type { LockOptions } from "../../Locker.js"
import { limits, maxPayloadBytes, validateDuration, valueBytes } from "../validation.js"

export interface ResolvedLockOptions {
  readonly ttl: number
  readonly value: Uint8Array
  readonly renew: boolean
  readonly retry: Schedule.Schedule<unknown, unknown>
  readonly timeout: Option.Option<number>
  readonly wait: boolean
}

/** Jittered exponential backoff from 50 ms, never more than 1 s between polls, never giving up. */
const defaultRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("50 millis", 1.5).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced("1 second"))
)

const defaultTtl = 20_000

const checkBoolean = (what: string, input: unknown, fallback: boolean, key: string) =>
  input === undefined
    ? Effect.succeed(fallback)
    : typeof input === "boolean"
      ? Effect.succeed(input)
      : Effect.fail(new InvalidInput({ message: `${what} must be a boolean`, key }))

/** The largest lock value for a key: what fits in one item beside the room kept for the line of waiters. */
const maxLockValueBytes = (partition: string, key: string): number =>
  maxPayloadBytes(partition, key) - limits.lineReserveBytes

const lockValue = (partition: string, key: string, value: unknown) =>
  Effect.flatMap(valueBytes(value, key), (bytes) => {
    const max = maxLockValueBytes(partition, key)
    return bytes.length > max
      ? Effect.fail(
          new InvalidInput({ message: `lock value is ${bytes.length} bytes, at most ${max} fit with this key`, key })
        )
      : Effect.succeed(bytes)
  })

/** What an acquisition without options waits with. */
export const defaultLockOptions: ResolvedLockOptions = {
  ttl: defaultTtl,
  value: new Uint8Array(0),
  renew: true,
  retry: defaultRetry,
  timeout: Option.none(),
  wait: true
}

const defaults: Effect.Effect<ResolvedLockOptions> = Effect.succeed(defaultLockOptions)

export const resolveLockOptions = (
  partition: string,
  key: string,
  options: LockOptions | undefined
): Effect.Effect<ResolvedLockOptions, InvalidInput> =>
  options === undefined ? defaults : resolveGiven(partition, key, options)

const resolveGiven = (
  partition: string,
  key: string,
  options: LockOptions
): Effect.Effect<ResolvedLockOptions, InvalidInput> =>
  Effect.all({
    ttl: options?.ttl === undefined ? Effect.succeed(defaultTtl) : validateDuration("ttl", options.ttl, key),
    value: options?.value === undefined ? Effect.succeed(new Uint8Array(0)) : lockValue(partition, key, options.value),
    renew: checkBoolean("renew", options?.renew, true, key),
    retry:
      options?.retry === undefined
        ? Effect.succeed(defaultRetry)
        : Schedule.isSchedule(options.retry)
          ? Effect.succeed(options.retry)
          : Effect.fail(new InvalidInput({ message: "retry must be a Schedule", key })),
    timeout:
      options?.timeout === undefined
        ? Effect.succeed(Option.none<number>())
        : Effect.map(validateDuration("timeout", options.timeout, key, true), Option.some),
    wait: checkBoolean("wait", options?.wait, true, key)
  })
