/** dynalock as a contender: `DynamoStore` on a counting, tagged SDK v3 client, settings from the contender table. */
import { Duration, Effect, Exit, Option, Schedule, Scope } from "effect"
import type { Dynalock, LockOptions } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { tagClient } from "@dynalock/test-layer/FaultProxy"
import { countingClient, localConfig } from "../../support/countingClient.js"
import { traceRequests } from "../../support/requestTrace.js"
import type { DynalockSettings } from "../contenders.js"
import type { ContenderClient, ContenderEnvironment } from "./contender.js"

const lockerSettings = (settings: DynalockSettings): Dynalock.LockerSettings => ({
  ...(settings.queueGraceMillis === undefined ? {} : { queueGrace: Duration.millis(settings.queueGraceMillis) }),
  ...(settings.maxClockSkewMillis === undefined ? {} : { maxClockSkew: Duration.millis(settings.maxClockSkewMillis) })
})

const retryOf = (settings: DynalockSettings): Pick<LockOptions, "retry"> =>
  settings.retrySpacedMillis === undefined
    ? {}
    : { retry: Schedule.spaced(Duration.millis(settings.retrySpacedMillis)) }

export const makeDynalock = (settings: DynalockSettings) => (environment: ContenderEnvironment) =>
  Effect.gen(function* () {
    const counter = countingClient(localConfig(environment.endpoint))
    tagClient(counter.client, environment.tag)
    traceRequests(counter.client, environment.tag)
    yield* Effect.addFinalizer(() => Effect.sync(() => counter.client.destroy()))
    const { locker } = yield* DynamoStore.make({
      tableName: environment.keyedTable,
      partition: environment.partition,
      client: counter.client,
      lock: lockerSettings(settings)
    })
    const retry = retryOf(settings)
    const client: ContenderClient = {
      // The lock lives in a scope of its own, closed by release: the loop holds it across effects.
      acquire: (key, timeoutMillis) =>
        Effect.gen(function* () {
          const scope = yield* Scope.make()
          const acquired = yield* locker.acquire(key, { ...retry, timeout: Duration.millis(timeoutMillis) }).pipe(
            Scope.extend(scope),
            Effect.map(Option.some),
            Effect.catchTag("AcquireCancelled", () => Effect.succeed(Option.none())),
            Effect.orDie
          )
          if (Option.isNone(acquired)) {
            yield* Scope.close(scope, Exit.void)
            return Option.none()
          }
          const lock = acquired.value
          return Option.some({
            token: lock.fencingToken.toString(),
            release: lock.release.pipe(Effect.orDie, Effect.ensuring(Scope.close(scope, Exit.void)))
          })
        }),
      requests: () => ({ ...counter.counts })
    }
    return client
  })
