/** What every interop test starts from: a local server, a fresh partition, our store and a Go client on it. */
import { randomUUID } from "node:crypto"
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb"
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { Duration, Effect, Either, Encoding } from "effect"
import type { Dynalock } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { localServer } from "../../../packages/dynamo-layer/test/support/sharedDynamoDbLocal.js"
import { startGoDriver } from "./goDriver.js"
import type { GoPair } from "./goDriver.js"

export const engines = ["dynalite", "dynamodb-local"] as const

/** One server (or DynamoDB Local table, see sharedDynamoDbLocal.ts) per test file and engine. DynamoDB Local's
 *  TTL sweep would delete the expired items tests look at. */
export const serverLayer = (engine: (typeof engines)[number]) => localServer({ engine, timeToLive: false })

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** The text of a Go pair's `BytesValue()`. */
export const goText = (pair: GoPair): string => text(Either.getOrThrow(Encoding.decodeBase64(pair.bytes ?? "")))

/** Sleeps until the wall clock is past `epochMillis`: Go compares expiry in whole seconds of its wall clock. */
export const untilPast = (epochMillis: number): Effect.Effect<void> =>
  Effect.suspend(() => Effect.sleep(Duration.millis(Math.max(0, epochMillis - Date.now() + 5))))

export interface SetupOptions {
  /** Go's lock polling interval (its default is 3 s). */
  readonly lockBackoff?: Duration.DurationInput
  /** Our lock records in the store's partition (`lockPartition = partition`), where Go dynalock keeps its locks. */
  readonly shareLocks?: boolean
  readonly lock?: Dynalock.LockerSettings
}

export const setup = (options?: SetupOptions) =>
  Effect.gen(function* () {
    const server = yield* LocalDynamo.LocalDynamo
    const partition = `go-${randomUUID()}`
    /** Another client of ours (its own owner tokens), as configured for this test; `endpoint` to go through a proxy. */
    const ours = (endpoint?: string) =>
      DynamoStore.make({
        tableName: server.tableName,
        partition,
        client: endpoint === undefined ? server.clientConfig : { ...server.clientConfig, endpoint },
        ...(options?.shareLocks === true ? { lockPartition: partition } : {}),
        lock: options?.lock
      })
    const { locker, store } = yield* ours()
    const go = yield* startGoDriver(
      server,
      partition,
      options?.lockBackoff === undefined ? undefined : { lockBackoff: options.lockBackoff }
    )
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new DynamoDBClient(server.clientConfig)),
      (client) => Effect.sync(() => client.destroy())
    )
    /** The item as stored, attribute by attribute; empty when absent. */
    const raw = (key: string): Effect.Effect<Record<string, AttributeValue>> =>
      Effect.promise(() =>
        client.send(
          new GetItemCommand({
            TableName: server.tableName,
            Key: { id: { S: partition }, name: { S: key } },
            ConsistentRead: true
          })
        )
      ).pipe(Effect.map((output) => output.Item ?? {}))
    return { server, partition, store, locker, ours, go, raw }
  })

/** A number attribute of a raw item; NaN when absent. */
export const numberOf = (attribute: AttributeValue | undefined): number => Number(attribute?.N)
