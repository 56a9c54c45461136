/**
 * The packaging test's DynamoDB app, against the server at DYNALOCK_ENDPOINT: one client from `DynamoStore.make`,
 * the other from `Dynalock.make` over a `DynamoTable`.
 */
import { Effect } from "effect"
import { Dynalock, Table } from "@dynalock/core"
import { DynamoStore, DynamoTable } from "@dynalock/dynamo-layer"
import { main } from "./scenario.js"

const setting = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const tableName = setting("DYNALOCK_TABLE")
const partition = setting("DYNALOCK_PARTITION")
const client = {
  endpoint: setting("DYNALOCK_ENDPOINT"),
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" }
}

let made = 0
main(
  Effect.suspend(() =>
    made++ === 0
      ? DynamoStore.make({ tableName, partition, client })
      : Effect.flatMap(DynamoTable.make({ tableName, client }), (table) =>
          Dynalock.make({ partition }).pipe(Effect.provideService(Table.Table, table))
        )
  )
)
