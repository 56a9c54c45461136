/**
 * A small service built on dynalock, to show how such a service is unit-tested (see
 * `examples/test/unit-testing/JobRunner.test.ts`): it depends only on the `KeyValueStore` and `Locker` services, so
 * tests give it the in-memory store and drive time with `TestClock`, while production gives it `DynamoStore.layer`.
 *
 * `runOnce(jobId, job)` runs a job at most once per window across a whole fleet: under the job's lock, it runs the
 * job unless a "done" marker says it ran already, then writes the marker with the window as its time to live.
 */
import { Context, Duration, Effect, Layer } from "effect"
import type { Schedule } from "effect"
import type { AcquireCancelled, InvalidInput, LockLost, StoreError } from "@dynalock/core"
import { KeyValueStore, Locker } from "@dynalock/core"

/** How a `runOnce` call ended. */
export type RunResult<A> = { readonly _tag: "Ran"; readonly value: A } | { readonly _tag: "AlreadyDone" }

/** What can stop `runOnce` besides the job's own failure. */
export type JobRunnerError = AcquireCancelled | LockLost | InvalidInput | StoreError

/** Settings of the service. */
export interface JobRunnerOptions {
  /** After a run, the same job is skipped for this long (default 24 hours). */
  readonly window?: Duration.DurationInput
  /** Lease of the job's lock; renewed while the job runs (default 30 seconds). */
  readonly lease?: Duration.DurationInput
  /** How often to look while another process runs the job (default: the lock's jittered backoff, at most 1 s apart). */
  readonly retry?: Schedule.Schedule<unknown, unknown>
}

/** Runs jobs at most once per window, across every process sharing the store. */
export class JobRunner extends Context.Tag("examples/JobRunner")<
  JobRunner,
  {
    readonly runOnce: <A, E, R>(
      jobId: string,
      job: Effect.Effect<A, E, R>
    ) => Effect.Effect<RunResult<A>, E | JobRunnerError, R>
  }
>() {}

/** The lock a job runs under. Lock and marker keys share the store's partition, told apart by their prefix. */
export const lockKey = (jobId: string): string => `lock/${jobId}`

/** The marker that a job ran. */
export const doneKey = (jobId: string): string => `done/${jobId}`

/** The service over the store and locker in context. */
export const make = (options?: JobRunnerOptions): Effect.Effect<JobRunner["Type"], never, KeyValueStore | Locker> =>
  Effect.gen(function* () {
    const store = yield* KeyValueStore
    const locker = yield* Locker
    const window = options?.window ?? Duration.hours(24)
    const lease = options?.lease ?? Duration.seconds(30)
    const lockOptions = options?.retry === undefined ? { ttl: lease } : { ttl: lease, retry: options.retry }
    return {
      runOnce: <A, E, R>(jobId: string, job: Effect.Effect<A, E, R>) =>
        Effect.gen(function* () {
          // Checked under the lock: a run that finished while we waited for it must count.
          if (yield* store.exists(doneKey(jobId))) return { _tag: "AlreadyDone" } as const
          const value = yield* job
          yield* store.put(doneKey(jobId), new Uint8Array(0), { ttl: window })
          return { _tag: "Ran", value } as const
        }).pipe(
          locker.withLock(lockKey(jobId), lockOptions),
          Effect.withSpan("JobRunner.runOnce", { attributes: { jobId } })
        )
    }
  })

/** The service, needing a `KeyValueStore` and a `Locker` (e.g. `MemoryStore.layer()` or `DynamoStore.layer(...)`). */
export const layer = (options?: JobRunnerOptions): Layer.Layer<JobRunner, never, KeyValueStore | Locker> =>
  Layer.effect(JobRunner, make(options))
