/** What every group of the lock conformance suite gets: clients on a shared partition and a way to move time. */
import { randomUUID } from "node:crypto"
import type { Vitest } from "@effect/vitest"
import { Dynalock } from "@dynalock/core"
import type { KeyValueStore, Locker } from "@dynalock/core"
import { Duration, Effect, Fiber, TestClock } from "effect"
import type { Scope } from "effect"
import type { Backend } from "../suite/backend.js"

interface LockClient {
  readonly store: KeyValueStore["Type"]
  readonly locker: Locker["Type"]
}

export interface LockSuiteContext<R> {
  readonly backend: Backend<R>
  readonly test: (name: string, body: () => Effect.Effect<void, unknown, R | Scope.Scope>, timeout?: number) => void
  /** `count` independent clients (as if in separate processes) on one fresh partition (locks in their own). */
  readonly clients: (count: number) => Effect.Effect<ReadonlyArray<LockClient>, unknown, R | Scope.Scope>
  /** The same, but with lock records in the store's own partition (`lockPartition` = `partition`), as Go keeps them. */
  readonly sharedClients: (count: number) => Effect.Effect<ReadonlyArray<LockClient>, unknown, R | Scope.Scope>
  /** The lease the tests use: sub-second in real time. */
  readonly ttl: Duration.Duration
  /** The clock-skew bound the clients assume. */
  readonly skew: Duration.Duration
  /** Lets time pass (`TestClock.adjust` in small steps, or a real sleep) while forked fibers run. */
  readonly elapse: (duration: Duration.DurationInput) => Effect.Effect<void>
  /** Runs `effect` in a fiber while time passes, until it is done or `limit` has passed; then joins it. */
  readonly within: <A, E, R2>(
    limit: Duration.DurationInput,
    effect: Effect.Effect<A, E, R2>
  ) => Effect.Effect<A, E | string, R2>
}

export const makeLockContext = <R>(backend: Backend<R>, it: Vitest.MethodsNonLive<R, boolean>): LockSuiteContext<R> => {
  const live = backend.time === "live"
  const ttl = live ? Duration.millis(400) : Duration.seconds(2)
  const skew = live ? Duration.millis(100) : Duration.millis(500)
  const step = live ? Duration.millis(20) : Duration.millis(50)
  const elapse = (duration: Duration.DurationInput): Effect.Effect<void> =>
    live
      ? Effect.sleep(duration)
      : Effect.gen(function* () {
          const total = Duration.toMillis(Duration.decode(duration))
          for (let done = 0; done < total; done += Duration.toMillis(step)) yield* TestClock.adjust(step)
        })
  const clientsOn = (count: number, lockPartition: (partition: string) => string) =>
    Effect.gen(function* () {
      const partition = `lock-suite/${randomUUID()}`
      const result: Array<LockClient> = []
      for (let i = 0; i < count; i++) {
        const store = yield* backend.storage(partition)
        const locks = yield* backend.storage(lockPartition(partition))
        result.push(yield* Dynalock.makeOn({ store, locks }, { lock: { maxClockSkew: skew } }))
      }
      return result
    })
  // As every layer keeps them by default: key/value items and lock records in partitions of their own.
  const clients = (count: number) => clientsOn(count, Dynalock.defaultLockPartition)
  const sharedClients = (count: number) => clientsOn(count, (partition) => partition)
  const within = <A, E, R2>(limit: Duration.DurationInput, effect: Effect.Effect<A, E, R2>) =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(effect)
      const total = Duration.toMillis(Duration.decode(limit))
      const stepMillis = Duration.toMillis(step)
      for (let waited = 0; waited < total; waited += stepMillis) {
        const done = yield* Fiber.poll(fiber)
        if (done._tag === "Some") break
        yield* elapse(step)
      }
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "None") {
        yield* Fiber.interrupt(fiber)
        return yield* Effect.fail(`not done within ${Duration.format(Duration.decode(limit))}`)
      }
      return yield* Fiber.join(fiber)
    })
  return {
    backend,
    test: (name, body, timeout) => it.scoped(name, body, timeout ?? (live ? 30_000 : 20_000)),
    clients,
    sharedClients,
    ttl,
    skew,
    elapse,
    within
  }
}
