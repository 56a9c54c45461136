/** What the semaphore benchmark tells a permit worker process (argv); it reports the lock worker's events. */

export interface SemaphoreWorkerArgs {
  /** The counting proxy in front of the shared server. */
  readonly endpoint: string
  /** `x-dynalock-client` on every request: the proxy counts by it. */
  readonly tag: string
  readonly tableName: string
  readonly partition: string
  readonly key: string
  readonly limit: number
  /** How long each permit is held. */
  readonly holdMillis: number
  /** Re-acquire in a tight loop for this long after "go" (a wait still running then is cancelled). */
  readonly durationMillis: number
}
