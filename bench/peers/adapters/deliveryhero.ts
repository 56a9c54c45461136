/**
 * @deliveryhero/dynamodb-lock (2.0.0) as a contender: its `LockClient` on an AWS SDK v3 `DynamoDBDocument`
 * (what its factory takes), over a counting, tagged `DynamoDBClient`. Its table needs a sort key: the lock's
 * group is the sort key `name` (the lock key), its id the partition `id`, in dynalock's own table.
 */
import { Effect } from "effect"
import { DynamoDBDocument } from "@aws-sdk/lib-dynamodb"
import { dynamoDBLockClientFactory } from "@deliveryhero/dynamodb-lock"
import type { LockOptions } from "@deliveryhero/dynamodb-lock"
import { tagClient } from "@dynalock/test-layer/FaultProxy"
import { countingClient, localConfig } from "../../support/countingClient.js"
import type { ContenderClient, ContenderEnvironment, HeldLock } from "./contender.js"

export const makeDeliveryhero = (options: LockOptions) => (environment: ContenderEnvironment) =>
  Effect.gen(function* () {
    const counter = countingClient(localConfig(environment.endpoint))
    tagClient(counter.client, environment.tag)
    yield* Effect.addFinalizer(() => Effect.sync(() => counter.client.destroy()))
    const lockClient = dynamoDBLockClientFactory(DynamoDBDocument.from(counter.client), {
      tableName: environment.keyedTable,
      partitionKey: "id",
      sortKey: "name"
    })
    const client: ContenderClient = {
      // `lock` has no time limit of its own (only a retry count): the loop's time limit ends a wait.
      acquire: (key, timeoutMillis) =>
        Effect.promise(() => lockClient.lock(key, environment.partition, options)).pipe(
          Effect.timeout(timeoutMillis),
          Effect.map((lock): HeldLock => ({
            token: undefined,
            release: Effect.promise(() => lockClient.releaseLock(lock))
          })),
          Effect.option
        ),
      requests: () => ({ ...counter.counts })
    }
    return client
  })
