/**
 * What the packaging test's apps run, on any backend: two clients of one partition, a compare-and-set conflict and
 * a lock that the second client finds taken. Printed as one JSON line for the test to check.
 */
import { Effect, Option } from "effect"
import type { Scope } from "effect"
import type { Dynalock } from "@dynalock/core"

export interface Outcome {
  readonly version: number
  readonly conflict: string
  readonly value: string
  readonly fenced: boolean
  readonly lockTaken: boolean
}

export const scenario = (
  makeClient: Effect.Effect<Dynalock.Services, never, Scope.Scope>
): Effect.Effect<Outcome, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const first = yield* makeClient
    const second = yield* makeClient
    const created = yield* first.store.atomicPut("greeting", "hello")
    const conflict = yield* Effect.flip(second.store.atomicPut("greeting", "again"))
    const read = yield* second.store.get("greeting")
    const lock = yield* first.locker.acquire("job", { ttl: "10 seconds" })
    const taken = yield* second.locker.tryAcquire("job")
    return {
      version: created.version,
      conflict: conflict._tag,
      value: new TextDecoder().decode(read.value),
      fenced: lock.fencingToken > 0n,
      lockTaken: Option.isNone(taken)
    }
  })

/** Runs the scenario and prints its outcome; exits non-zero on any failure. */
export const main = (makeClient: Effect.Effect<Dynalock.Services, never, Scope.Scope>): void => {
  Effect.runPromise(Effect.scoped(scenario(makeClient))).then(
    (outcome) => console.log(JSON.stringify(outcome)),
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    }
  )
}
