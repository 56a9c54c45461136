/**
 * What the cross-process tests tell a lock worker (argv, stdin) and what the worker reports back (stdout lines).
 * A worker contends for the lock of `key`, or with `semaphore` for permits of a semaphore on it.
 */

export interface WorkerArgs {
  readonly endpoint: string
  readonly tableName: string
  readonly partition: string
  readonly key: string
  /** Acquisitions to make, one after the other (fewer if the parent writes "stop" on stdin first). */
  readonly rounds: number
  /**
   * How long each section holds the lock: a random duration in [min, max] ms, until the process is killed
   * ("forever"), or until the parent writes "release" on stdin ("untilReleased").
   */
  readonly holdMillis: readonly [min: number, max: number] | "forever" | "untilReleased"
  readonly ttlMillis: number
  /** The Locker's `maxClockSkew`. */
  readonly skewMillis: number
  /** The Locker's `queueGrace` (default: the library's). */
  readonly queueGraceMillis?: number | undefined
  /**
   * DynamoStore's `retry`: exponential from `base` ms, doubling, each wait capped at `cap` ms, jittered, at most 8
   * retries (default: the library's, which grows to 2 s for a throttled table).
   */
  readonly storeRetryMillis?: readonly [base: number, cap: number] | undefined
  /**
   * The acquisitions' `retry` schedule: exponential from `base` ms, 1.5 times a step, jittered, each wait at most
   * `cap` ms (default: the library's, 50 ms growing to 1 s).
   */
  readonly lockRetryMillis?: readonly [base: number, cap: number] | undefined
  /** DynamoStore's `requestTimeout` (default: the library's). */
  readonly requestTimeoutMillis?: number | undefined
  /** How far this worker's Effect `Clock` is ahead of the machine's (behind if negative); default 0. */
  readonly offsetMillis?: number | undefined
  /** The `x-dynalock-client` tag of the worker's requests, by which a fault proxy groups its counts. */
  readonly clientTag?: string | undefined
  /**
   * Take permits of `locker.semaphore(key, limit)` instead of the lock: round r asks for `permits[r % length]`
   * (each from 1 to `limit`). Sections then start with `Granted` instead of `Enter`.
   */
  readonly semaphore?: { readonly limit: number; readonly permits: ReadonlyArray<number> } | undefined
}

/** Times are milliseconds on the machine-wide monotonic clock. */
export type WorkerEvent =
  | { readonly _tag: "Ready"; readonly pid: number }
  /** An acquisition starts: from here on the worker waits for the lock. */
  | { readonly _tag: "Acquiring"; readonly at: number }
  /** Acquired: the critical section starts. */
  | { readonly _tag: "Enter"; readonly at: number; readonly token: string }
  /** Permits acquired (a semaphore worker): the section starts, holding `permits` of them. */
  | { readonly _tag: "Granted"; readonly at: number; readonly permits: number }
  /** The critical section ends; the release follows. */
  | { readonly _tag: "Exit"; readonly at: number }
  /** The lock (or the permits) was lost during the section (the section stopped at `at`). */
  | { readonly _tag: "Lost"; readonly at: number; readonly reason: string }
  | { readonly _tag: "Done" }
  | { readonly _tag: "Failed"; readonly message: string }
