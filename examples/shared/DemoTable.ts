/**
 * Where an example's table lives.
 *
 * - Nothing configured: an embedded dynalite server, started in this process on a free loopback port with the
 *   table created, and stopped when the scope closes. Nothing to install, nothing left behind.
 * - `DYNALOCK_TABLE` set: that DynamoDB table, reached through the standard AWS environment (`AWS_REGION`,
 *   credentials, `AWS_PROFILE`, ...), or through `DYNALOCK_ENDPOINT` when that is set too (e.g. DynamoDB Local).
 *   `DYNALOCK_CREATE_TABLE=true` creates the table first if it is missing (that needs `dynamodb:CreateTable`).
 */
import { Config, Effect, Option } from "effect"
import type { ConfigError, Scope } from "effect"
import type { StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"

/** What `DynamoStore` accepts as `client`. */
export type ClientConfig = NonNullable<DynamoStore.DynamoStoreOptions["client"]>

/**
 * A table and how to reach it.
 */
export interface DemoTable {
  readonly tableName: string
  /** None: the SDK's own defaults, i.e. the standard AWS environment. */
  readonly client: Option.Option<ClientConfig>
  /** One line for the reader: which table, where. */
  readonly description: string
  /**
   * Environment variables that make a child process reach the same table through `DemoTable.fromEnvironment`.
   * `undefined` removes a variable that the parent's environment may hold.
   */
  readonly childEnv: Readonly<Record<string, string | undefined>>
}

/** `DynamoStore` options for one partition of the table. */
export const storeOptions = (table: DemoTable, partition: string): DynamoStore.DynamoStoreOptions =>
  Option.match(table.client, {
    onNone: () => ({ tableName: table.tableName, partition }),
    onSome: (client) => ({ tableName: table.tableName, partition, client })
  })

/** The table named by `DYNALOCK_TABLE`, if it is set. */
export const fromEnvironment: Effect.Effect<
  Option.Option<DemoTable>,
  ConfigError.ConfigError | StoreError
> = Effect.gen(function* () {
  const tableName = yield* Config.option(Config.nonEmptyString("DYNALOCK_TABLE"))
  if (Option.isNone(tableName)) return Option.none()
  const endpoint = yield* Config.option(Config.nonEmptyString("DYNALOCK_ENDPOINT"))
  const create = yield* Config.boolean("DYNALOCK_CREATE_TABLE").pipe(Config.withDefault(false))
  const table: DemoTable = {
    tableName: tableName.value,
    client: Option.map(endpoint, (url): ClientConfig => ({ endpoint: url })),
    description: Option.match(endpoint, {
      onNone: () => `DynamoDB table "${tableName.value}" (region and credentials from the AWS environment)`,
      onSome: (url) => `table "${tableName.value}" at ${url}`
    }),
    // Children inherit this process's environment, which already says all of it.
    childEnv: {}
  }
  if (create) yield* DynamoStore.createTable(storeOptions(table, "unused"))
  return Option.some(table)
})

/** An embedded dynalite server with the table created, for the scope's lifetime. */
export const embedded = (tableName: string): Effect.Effect<DemoTable, never, Scope.Scope> =>
  Effect.map(LocalDynamo.make({ tableName }), (server) => ({
    tableName,
    client: Option.some(server.clientConfig),
    description: `embedded dynalite at ${server.endpoint}, table "${tableName}" (set DYNALOCK_TABLE to use DynamoDB)`,
    // dynalite checks no credentials, but the SDK wants some; a profile of the parent must not take over.
    childEnv: {
      DYNALOCK_TABLE: tableName,
      DYNALOCK_ENDPOINT: server.endpoint,
      DYNALOCK_CREATE_TABLE: "false",
      AWS_REGION: "local",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined
    }
  }))

/** The configured table, or else an embedded one. */
export const make = (
  embeddedName: string
): Effect.Effect<DemoTable, ConfigError.ConfigError | StoreError, Scope.Scope> =>
  Effect.flatMap(fromEnvironment, Option.match({ onNone: () => embedded(embeddedName), onSome: Effect.succeed }))
