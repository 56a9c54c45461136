/** What the cross-process test tells a lock worker (argv) and what the worker reports back (stdout lines). */

export interface WorkerArgs {
  readonly endpoint: string
  readonly tableName: string
  readonly partition: string
  readonly key: string
  /** Acquisitions to make, one after the other. */
  readonly rounds: number
  /** How long each section holds the lock: a random duration in [min, max] ms, or until the process is killed. */
  readonly holdMillis: readonly [min: number, max: number] | "forever"
  readonly ttlMillis: number
  /** The Locker's `maxClockSkew`. */
  readonly skewMillis: number
}

/** Times are milliseconds on the machine-wide monotonic clock. */
export type WorkerEvent =
  | { readonly _tag: "Ready"; readonly pid: number }
  /** Acquired: the critical section starts. */
  | { readonly _tag: "Enter"; readonly at: number; readonly token: string }
  /** The critical section ends; the release follows. */
  | { readonly _tag: "Exit"; readonly at: number }
  /** The lock was lost during the section (the section stopped at `at`). */
  | { readonly _tag: "Lost"; readonly at: number }
  | { readonly _tag: "Done" }
  | { readonly _tag: "Failed"; readonly message: string }
