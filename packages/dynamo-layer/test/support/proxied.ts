/** A fault proxy in front of a local server, stores and SDK clients that go through it, and direct reads past it. */
import { GetItemCommand } from "@aws-sdk/client-dynamodb"
import type { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { unmarshall } from "@aws-sdk/util-dynamodb"
import { Effect, Option } from "effect"
import type { Scope } from "effect"
import { Dynalock } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { freshPartition, rawClient } from "./dynamo.js"

/** What the server holds for a key, read past the proxy. */
export interface StoredItem {
  readonly version: number
  readonly payload: unknown
}

export interface Proxied {
  readonly proxy: FaultProxy.FaultProxy
  readonly partition: string
  /** The configuration of an SDK client that goes through the proxy. */
  readonly clientConfig: DynamoDBClientConfig
  /** A `DynamoStore` whose requests go through the proxy, its client tagged `tag` if given. */
  readonly store: (
    options?: Partial<Pick<DynamoStore.DynamoStoreOptions, "retry" | "requestTimeout" | "lock">> & {
      readonly tag?: string | undefined
    }
  ) => Effect.Effect<Dynalock.Services, never, Scope.Scope>
  /** A raw SDK client through the proxy, tagged if `tag` is given. */
  readonly client: (options?: {
    readonly tag?: string | undefined
    readonly maxAttempts?: number | undefined
  }) => Effect.Effect<DynamoDBClient, never, Scope.Scope>
  /** The item of `key` in this test's partition, read directly from the server (consistent). */
  readonly stored: (key: string) => Effect.Effect<Option.Option<StoredItem>>
  /** The same item with every attribute, as the server holds it (unmarshalled). */
  readonly rawItem: (key: string) => Effect.Effect<Option.Option<Record<string, unknown>>>
  /** The lock record of `key` (in the stores' lock partition) with every attribute, as the server holds it. */
  readonly rawLockRecord: (key: string) => Effect.Effect<Option.Option<Record<string, unknown>>>
}

export const proxied = (
  server: LocalDynamo.LocalDynamoServer,
  plan?: FaultProxy.Plan
): Effect.Effect<Proxied, never, Scope.Scope> =>
  Effect.gen(function* () {
    const proxy = yield* FaultProxy.make({ target: server.endpoint, plan })
    const direct = yield* rawClient(server.clientConfig)
    const partition = freshPartition()
    const clientConfig: DynamoDBClientConfig = { ...server.clientConfig, endpoint: proxy.endpoint }
    const client: Proxied["client"] = (options) =>
      Effect.tap(rawClient({ ...clientConfig, maxAttempts: options?.maxAttempts ?? 1 }), (made) =>
        Effect.sync(() => {
          if (options?.tag !== undefined) FaultProxy.tagClient(made, options.tag)
        })
      )
    const store: Proxied["store"] = (options) =>
      Effect.flatMap(client({ tag: options?.tag }), (made) =>
        DynamoStore.make({
          tableName: server.tableName,
          partition,
          client: made,
          retry: options?.retry,
          requestTimeout: options?.requestTimeout,
          lock: options?.lock
        })
      )
    const rawIn = (id: string) => (key: string) =>
      Effect.promise(() =>
        direct.send(
          new GetItemCommand({
            TableName: server.tableName,
            Key: { id: { S: id }, name: { S: key } },
            ConsistentRead: true
          })
        )
      ).pipe(Effect.map((output) => Option.map(Option.fromNullable(output.Item), (item) => unmarshall(item))))
    const rawItem: Proxied["rawItem"] = rawIn(partition)
    const rawLockRecord: Proxied["rawLockRecord"] = rawIn(Dynalock.defaultLockPartition(partition))
    const stored: Proxied["stored"] = (key) =>
      Effect.map(
        rawItem(key),
        Option.map((record) => ({ version: Number(record.version), payload: record.payload }))
      )
    return { proxy, partition, clientConfig, store, client, stored, rawItem, rawLockRecord }
  })
