/** Shared helpers of the dynamo-layer tests: raw clients and the storage contract on a local server. */
import { randomUUID } from "node:crypto"
import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { Duration, Effect, Either, Schedule } from "effect"
import type { Scope } from "effect"
import type { Storage } from "@dynalock/core"
import type { LocalDynamo } from "@dynalock/test-layer"
import { acquireClient, defaultRetry, defaultTimeout, makeRequester } from "../../src/internal/client.js"
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
