/** The adapter of each library in the contender table, loaded on demand: a process loads only its library. */
import { Effect } from "effect"
import type { ContenderSpec } from "../contenders.js"
import type { MakeContender } from "./contender.js"

export const makeContender = (spec: ContenderSpec): Effect.Effect<MakeContender> => {
  switch (spec.library) {
    case "dynalock":
      return Effect.promise(() => import("./dynalock.js")).pipe(
        Effect.map(({ makeDynalock }) => makeDynalock(spec.settings))
      )
    case "dynamodb-lock-client":
      return Effect.promise(() => import("./dynamodbLockClient.js")).pipe(
        Effect.map(({ makeDynamodbLockClient }) => makeDynamodbLockClient(spec.acquirePeriodMillis))
      )
    case "@deliveryhero/dynamodb-lock":
      return Effect.promise(() => import("./deliveryhero.js")).pipe(
        Effect.map(({ makeDeliveryhero }) => makeDeliveryhero(spec.options))
      )
  }
}
