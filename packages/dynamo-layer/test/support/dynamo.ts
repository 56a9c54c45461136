/** Shared helpers of the dynamo-layer tests: raw clients and the storage contract on a local server. */
import { randomUUID } from "node:crypto"
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb"
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import type { NativeAttributeValue } from "../../src/internal/attributeValue.js"
import { Duration, Effect, Either, Option } from "effect"
import type { Schedule, Scope } from "effect"
import type { Storage } from "@dynalock/core"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { acquireClient, defaultRetry, defaultTimeout, makeRequester } from "../../src/internal/client.js"
import { itemKey, payloadValue, toAttribute } from "../../src/internal/itemCodec.js"
import { makeStorage } from "../../src/internal/storage.js"

/** Both local engines. */
export const engines = ["dynalite", "dynamodb-local"] as const

/** A partition no other test uses, so tests can share one server. */
export const freshPartition = (): string => `p-${randomUUID()}`

/** A raw SDK client, for writing items the way other writers do and for inspecting what was stored. */
export const rawClient = (config: DynamoDBClientConfig): Effect.Effect<DynamoDBClient, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new DynamoDBClient(config)),
    (client) => Effect.sync(() => client.destroy())
  )

/** The storage contract on a local server's table, as `DynamoStore` builds it. */
export const storageOn = (
  server: Pick<LocalDynamo.LocalDynamoServer, "clientConfig"> & { readonly tableName?: string },
  partition: string,
  options?: {
    readonly client?: DynamoDBClient
    readonly tableName?: string
    readonly timeout?: Duration.DurationInput
    readonly retry?: Schedule.Schedule<unknown, unknown>
  }
): Effect.Effect<Storage.Storage, never, Scope.Scope> =>
  Effect.map(
    options?.client === undefined ? acquireClient(server.clientConfig) : Effect.succeed(Either.right(options.client)),
    (client) =>
      makeStorage(
        makeRequester(client, options?.tableName ?? server.tableName ?? "dynalock", {
          retry: options?.retry ?? defaultRetry,
          timeout: options?.timeout === undefined ? defaultTimeout : Duration.decode(options.timeout)
        }),
        partition
      )
  )

/** Writes an item as Go dynalock's Put does: `ADD version 1`, `SET expires` (whole seconds) and `payload`. */
export const writeAsGo = (
  server: Pick<LocalDynamo.LocalDynamoServer, "clientConfig" | "tableName">,
  partition: string,
  key: string,
  changes: { readonly expiresAt?: number; readonly payload?: Storage.Payload }
): Effect.Effect<void, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    const client = yield* rawClient(server.clientConfig)
    const set: Array<string> = []
    const values: Record<string, NativeAttributeValue> = { ":one": 1 }
    if (changes.expiresAt !== undefined) {
      set.push("#expires = :expires")
      values[":expires"] = Math.floor(changes.expiresAt / 1000)
    }
    const payload = changes.payload === undefined ? Option.none() : payloadValue(changes.payload)
    if (Option.isSome(payload)) {
      set.push("#payload = :payload")
      values[":payload"] = payload.value
    }
    yield* Effect.promise(() =>
      client.send(
        new UpdateItemCommand({
          TableName: server.tableName,
          Key: itemKey(partition, key),
          UpdateExpression: `ADD #version :one${set.length === 0 ? "" : ` SET ${set.join(", ")}`}`,
          ExpressionAttributeNames: {
            "#version": "version",
            ...(set.some((part) => part.startsWith("#expires")) ? { "#expires": "expires" } : {}),
            ...(Option.isSome(payload) ? { "#payload": "payload" } : {})
          },
          ExpressionAttributeValues: Object.fromEntries(
            Object.entries(values).map(([name, value]) => [name, toAttribute(value)])
          )
        })
      )
    )
  })
