/**
 * One DynamoDB Local for a whole run instead of one per test file (a JVM: ~3 s and ~2.5 s of CPU to start, and more
 * to warm up). globalSetup starts it (`startShared`, startSharedDynamoDbLocal.ts) and provides its endpoint; each test file that asks for it
 * (`localServer`) gets a table of its own on it, deleted when the file is done. A file run on its own, or in a
 * project without that globalSetup, starts its own server as before.
 */
import { randomUUID } from "node:crypto"
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { Effect, Layer } from "effect"
import { inject } from "vitest"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type { SharedServer } from "./startSharedDynamoDbLocal.js"

/** A table of its own on the shared server, with TTL as asked; deleted when the scope closes. */
const tableOn = (shared: SharedServer, options: LocalDynamo.LocalDynamoOptions) =>
  Effect.gen(function* () {
    const tableName = `${options.tableName ?? "dynalock"}-${randomUUID()}`
    const clientConfig = {
      endpoint: shared.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" }
    }
    yield* Effect.acquireRelease(
      DynamoStore.createTable({ tableName, client: clientConfig, timeToLive: options.timeToLive !== false }).pipe(
        Effect.orDie
      ),
      () =>
        Effect.acquireUseRelease(
          Effect.sync(() => new DynamoDBClient(clientConfig)),
          (client) => Effect.promise(() => client.send(new DeleteTableCommand({ TableName: tableName }))),
          (client) => Effect.sync(() => client.destroy())
        ).pipe(Effect.ignore)
    )
    return {
      engine: "dynamodb-local",
      endpoint: shared.endpoint,
      tableName,
      clientConfig,
      pid: shared.pid
    } satisfies LocalDynamo.LocalDynamoServer
  })

/** The server of a test file: `LocalDynamo.layer(options)`, or a table on the run's shared DynamoDB Local. */
export const localServer = (options: LocalDynamo.LocalDynamoOptions = {}): Layer.Layer<LocalDynamo.LocalDynamo> => {
  const shared = options.engine === "dynamodb-local" ? inject("sharedDynamoDbLocal") : undefined
  return shared === undefined
    ? LocalDynamo.layer(options)
    : Layer.scoped(LocalDynamo.LocalDynamo, tableOn(shared, options))
}
