/**
 * The distributed lock service.
 *
 * @since 0.1.0
 */
import type { DateTime, Duration, Effect, Option, Schedule, Scope } from "effect"
import { Context } from "effect"
import type { AcquireCancelled, InvalidInput, LockLost, StoreError } from "./Errors.js"
import type { Value } from "./KVPair.js"

/**
 * @since 0.1.0
 * @category options
 */
export interface LockOptions {
  /** Lease length; default 20 seconds. */
  readonly ttl?: Duration.DurationInput | undefined
  /** Payload written with the lock. */
  readonly value?: Value | undefined
  /** Default true: the lease is renewed in the background while held. */
  readonly renew?: boolean | undefined
  /**
   * How to wait while another holder has it; default: jittered exponential from 50 ms, capped at 1 s. The first two
   * in line look at least this often (the first restarts it when it becomes first), and also when the record says
   * their turn is expected; those further back look then instead, where the record tells it. A schedule that ends
   * ends the wait: `AcquireCancelled { reason: "ScheduleExhausted" }`.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /** Stop waiting after this long -> `AcquireCancelled { reason: "Timeout" }`. */
  readonly timeout?: Duration.DurationInput | undefined
  /** Default true; false = one attempt, `AcquireCancelled { reason: "Held" }` if held. */
  readonly wait?: boolean | undefined
}

/**
 * A held lock.
 *
 * @since 0.1.0
 * @category models
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
 * A held share of a semaphore: leased, renewed, lost and released like a `Lock`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Permit {
  readonly key: string
  /** How many of the semaphore's permits this holds. */
  readonly permits: number
  /** Suspends while held; fails once the permits are lost. */
  readonly lost: Effect.Effect<never, LockLost>
  /** Local lease time left (zero once lost or released). */
  readonly remaining: Effect.Effect<Duration.Duration>
  /** Early release; idempotent; also done when the scope closes. */
  readonly release: Effect.Effect<void, StoreError>
}

/**
 * Up to `limit` permits held at once across all clients (`Locker.semaphore`). Waiters are served in the order they
 * came: a request waits while an earlier one does not fit, so none is overtaken forever, whether it asks for one
 * permit or many. A permit's `value` option is refused: permits carry no payload.
 *
 * @since 0.2.0
 * @category models
 */
export interface DistributedSemaphore {
  readonly key: string
  readonly limit: number
  /** Waits for `permits` (default 1, at most `limit`) by `options.retry`; the lease is released with the scope. */
  readonly acquire: (
    permits?: number,
    options?: LockOptions
  ) => Effect.Effect<Permit, AcquireCancelled | InvalidInput | StoreError, Scope.Scope>
  /** One attempt: none if the permits are not free now (or others wait before us). */
  readonly tryAcquire: (
    permits?: number,
    options?: LockOptions
  ) => Effect.Effect<Option.Option<Permit>, InvalidInput | StoreError, Scope.Scope>
  /** Runs `self` holding `permits`; if they are lost, `self` is interrupted and the result is `LockLost`. */
  readonly withPermits: (
    permits: number,
    options?: LockOptions
  ) => <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | AcquireCancelled | LockLost | InvalidInput | StoreError, R>
  /** Permits free now, as a claim would count them (leases that ended count as free). */
  readonly available: Effect.Effect<number, InvalidInput | StoreError>
}

/**
 * What a lock record shows, as read by this client's clock (`Locker.inspect`, `Locker.list`).
 *
 * @since 0.2.0
 * @category models
 */
export interface LockState {
  readonly key: string
  /** A live lease exists (by this client's clock): its end has not passed. */
  readonly held: boolean
  /** The current holder's fencing token, or the last holder's. */
  readonly fencingToken: bigint
  /** The live lease's end; none when not held. */
  readonly expires: Option.Option<DateTime.Utc>
  /** The holder's payload (empty when not held). */
  readonly value: Uint8Array
  /** Waiters in line whose places have not lapsed. */
  readonly waiting: number
}

/**
 * The operations of the `Locker` service: lease locks on the table of the store they were made with, in their own
 * partition (`lockPartition`). A lock is released when the scope that acquired it closes, whatever the exit; release
 * only ever removes this holder's own lease.
 *
 * @since 0.2.0
 * @category services
 */
export interface LockerService {
  /**
   * Waits for the lock by `options.retry` (until `options.timeout`, if given), then holds it until the scope closes,
   * renewing the lease in the background. Interrupting a waiting acquire leaves no lease behind.
   */
  readonly acquire: (
    key: string,
    options?: LockOptions
  ) => Effect.Effect<Lock, AcquireCancelled | InvalidInput | StoreError, Scope.Scope>
  /** One attempt: none if another client holds the lock now (or others wait before us). */
  readonly tryAcquire: (
    key: string,
    options?: LockOptions
  ) => Effect.Effect<Option.Option<Lock>, InvalidInput | StoreError, Scope.Scope>
  /**
   * Runs `self` holding the lock; a function gets the held `Lock` (its fencing token, say). If the lock is lost,
   * `self` is interrupted and the result is `LockLost`.
   */
  readonly withLock: (
    key: string,
    options?: LockOptions
  ) => <A, E, R>(
    self: Effect.Effect<A, E, R> | ((lock: Lock) => Effect.Effect<A, E, R>)
  ) => Effect.Effect<A, E | AcquireCancelled | LockLost | InvalidInput | StoreError, R>
  /** The lock's record as it is now; none if the key was never locked (or its record was collected). */
  readonly inspect: (key: string) => Effect.Effect<Option.Option<LockState>, InvalidInput | StoreError>
  /** The locks held now whose keys begin with `prefix` (every page is read). */
  readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<LockState>, InvalidInput | StoreError>
  /**
   * Breaks a live lease (an operator's last resort for a stuck holder): true if there was one. The broken holder
   * learns it through `lost` at its next renewal at the latest; the next holder's fencing token is higher.
   */
  readonly forceRelease: (key: string) => Effect.Effect<boolean, InvalidInput | StoreError>
  /**
   * A semaphore of `limit` permits on `key` (a positive integer; every client of the key must use the same).
   * Its record lives with the locks; a semaphore key cannot also be a plain lock (`InvalidInput`).
   */
  readonly semaphore: (key: string, limit: number) => DistributedSemaphore
}

/**
 * Distributed lease locks and semaphores: the tag of a {@link LockerService}.
 *
 * @since 0.1.0
 * @category services
 * @hideconstructor
 */
export class Locker extends Context.Tag("@dynalock/core/Locker")<Locker, LockerService>() {}
