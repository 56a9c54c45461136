/** What the benchmark tells a lock worker process (argv) and what the worker reports (stdout JSON lines). */

export interface LockWorkerArgs {
  readonly endpoint: string
  readonly tableName: string
  readonly partition: string
  readonly key: string
  readonly ttlMillis: number
  readonly skewMillis: number
  /** How long each acquisition is held. */
  readonly holdMillis: number
  /** Re-acquire in a tight loop for this long after "go" (a wait still running then is cancelled). */
  readonly durationMillis: number
  /** At most this many acquisitions. */
  readonly rounds: number
}

/** One acquisition. Times are ms on the machine-wide monotonic clock. */
export interface Acquisition {
  /** `acquire` was called. */
  readonly requested: number
  /** `acquire` returned: the section starts. */
  readonly enter: number
  /** The section ends; `release` is called. */
  readonly exit: number
  /** `release` returned. */
  readonly released: number
  /** The fencing token, where the library has one. */
  readonly token?: string
  /** Requests sent while `acquire` ran, by operation. */
  readonly waitRequests: Record<string, number>
  readonly lost: boolean
}

export interface MemoryFigures {
  readonly rss: number
  readonly heapUsed: number
}

export type LockWorkerEvent =
  | { readonly _tag: "Ready"; readonly pid: number }
  /** Sent the moment a contender enters its section, where the run forces handoffs (see contenderWorker). */
  | { readonly _tag: "Entered"; readonly enter: number }
  | ({ readonly _tag: "Acquired" } & Acquisition)
  | {
      readonly _tag: "Stats"
      /** Every request of the run, by operation (waits, releases, renewals). */
      readonly requests: Record<string, number>
      /** Waits that ended without the lock (the run's end came first). */
      readonly unfinishedWaits: number
      /** How long the wait the run's end stopped had lasted, in ms. */
      readonly openWaitMillis?: number
      /** Measured at the end of the last hold, while the lock was held; after the client was built when none. */
      readonly memory: MemoryFigures
    }
  | { readonly _tag: "Failed"; readonly message: string }
