/**
 * The distributed lock service.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Option, Schedule, Scope } from "effect"
import { Context } from "effect"
import type { AcquireCancelled, InvalidInput, LockLost, StoreError } from "./Errors.js"
import type { Value } from "./KVPair.js"

/**
 * @since 0.1.0
 */
export interface LockOptions {
  /** Lease length; default 20 seconds. */
  readonly ttl?: Duration.DurationInput
  /** Payload written with the lock. */
  readonly value?: Value
  /** Default true: the lease is renewed in the background while held. */
  readonly renew?: boolean
  /** How to wait while another holder has it; default: jittered exponential from 50 ms, capped at 1 s. */
  readonly retry?: Schedule.Schedule<unknown, unknown>
  /** Stop waiting after this long -> `AcquireCancelled { reason: "Timeout" }`. */
  readonly timeout?: Duration.DurationInput
  /** Default true; false = one attempt, `AcquireCancelled { reason: "Held" }` if held. */
  readonly wait?: boolean
}

/**
 * A held lock.
 *
 * @since 0.1.0
 */
export interface Lock {
  readonly key: string
  /** Strictly increasing across successive holders of one key, never reused. */
  readonly fencingToken: bigint
  readonly value: Uint8Array
  /** Suspends while held; fails once the lock is lost. */
  readonly lost: Effect.Effect<never, LockLost>
  /** Local lease time left (zero once lost or released). */
  readonly remaining: Effect.Effect<Duration.Duration>
  /** Early release; idempotent; also done when the scope closes. */
  readonly release: Effect.Effect<void, StoreError>
}

/**
 * Lease locks over the same table and partition as the store they were made with.
 *
 * @since 0.1.0
 */
export class Locker extends Context.Tag("@dynalock/core/Locker")<
  Locker,
  {
    readonly acquire: (
      key: string,
      options?: LockOptions
    ) => Effect.Effect<Lock, AcquireCancelled | InvalidInput | StoreError, Scope.Scope>
    readonly tryAcquire: (
      key: string,
      options?: LockOptions
    ) => Effect.Effect<Option.Option<Lock>, InvalidInput | StoreError, Scope.Scope>
    readonly withLock: (
      key: string,
      options?: LockOptions
    ) => <A, E, R>(
      self: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | AcquireCancelled | LockLost | InvalidInput | StoreError, R>
  }
>() {}
