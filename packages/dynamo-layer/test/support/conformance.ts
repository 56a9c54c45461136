/** The conformance suites' description of a DynamoStore backend on a local server. */
import { Effect } from "effect"
import { DynamoStore, DynamoTable } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"
import { writeAsGo } from "./dynamo.js"
import { localServer } from "./sharedDynamoDbLocal.js"

/** A backend: one server (or DynamoDB Local table, see sharedDynamoDbLocal.ts) per test file, clients built by `DynamoStore.make` as applications build them. */
export const dynamoBackend = (
  engine: "dynalite" | "dynamodb-local"
): KeyValueStoreSuite.Backend<LocalDynamo.LocalDynamo> => ({
  name: engine,
  // The suites check that an expired item stays stored, only invisible. DynamoDB's TTL deletes it eventually (within
  // days); DynamoDB Local's sweeps every ~10 s and can delete it within a second of expiry, racing those checks.
  layer: localServer({ engine, timeToLive: false }),
  // The public way, as users run the suites on their own table (examples/own-table).
  storage: (partition) =>
    Effect.flatMap(LocalDynamo.LocalDynamo, (server) =>
      Effect.map(DynamoTable.make({ tableName: server.tableName, client: server.clientConfig }), (table) =>
        table.storage(partition)
      )
    ),
  client: (partition) =>
    Effect.flatMap(LocalDynamo.LocalDynamo, (server) =>
      DynamoStore.make({ tableName: server.tableName, partition, client: server.clientConfig })
    ),
  writeForeign: (partition, key, changes) =>
    Effect.flatMap(LocalDynamo.LocalDynamo, (server) => writeAsGo(server, partition, key, changes)),
  time: "live",
  // dynalite counts item sizes in UTF-16 code units; DynamoDB Local counts UTF-8 bytes as DynamoDB does.
  exactSizes: engine === "dynamodb-local"
})
