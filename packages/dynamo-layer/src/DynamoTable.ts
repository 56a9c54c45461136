/**
 * One DynamoDB table as the `Table` service of `@dynalock/core`: the storage contract for any of its partitions,
 * over one client. `DynamoStore` builds the services on it; use it directly to put several stores (or your own
 * backends, or the conformance suites) on one table and one client.
 *
 * @since 0.2.0
 */
import type { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { Effect, Either, Layer } from "effect"
import type { Duration, Schedule, Scope } from "effect"
import { Table } from "@dynalock/core"
import { acquireClient, defaultRetry, defaultTimeout, makeRequester } from "./internal/client.js"
import type { Requester } from "./internal/client.js"
import { checkRequestOptions } from "./internal/options.js"
import { makeStorage } from "./internal/storage.js"

/**
 * How requests are sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /**
   * A client, or the configuration of one. Default: a client from the standard AWS environment (region,
   * credentials, endpoint). A client made here is destroyed when the layer's scope closes; a client passed in
   * is left alone. Either way the SDK's own retries are off for dynalock's requests: `retry` replaces them.
   */
  readonly client?: DynamoDBClient | DynamoDBClientConfig | undefined
  /**
   * How to space retries of throttled and transient failures; its recurrences bound them. Default: exponential
   * from 25 ms, jittered, each wait capped at 2 s, at most 8 retries. Writes that may have been applied (a
   * timeout, a broken connection, a 5xx) are never resent: they fail with `StoreError` and core reconciles.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /** How long one attempt may wait for an answer before it is aborted (`StoreError` reason `Timeout`). Default 5 seconds. */
  readonly requestTimeout?: Duration.DurationInput | undefined
}

/**
 * @since 0.2.0
 * @category models
 */
export interface DynamoTableOptions extends RequestOptions {
  readonly tableName: string
}

/**
 * Sends every request of one table. Bad options never make building fail: the problem is reported by every
 * operation (core reports an empty table name or partition as InvalidInput before any request; the rest fail as
 * StoreError reason Configuration).
 *
 * @internal
 */
export const requester = (options: DynamoTableOptions): Effect.Effect<Requester, never, Scope.Scope> =>
  Either.match(checkRequestOptions(options), {
    onLeft: (problem) =>
      Effect.succeed(
        makeRequester(Either.left(problem), options?.tableName, { retry: defaultRetry, timeout: defaultTimeout })
      ),
    onRight: ({ client, settings }) =>
      Effect.map(acquireClient(client), (made) => makeRequester(made, options.tableName, settings))
  })

/**
 * The table, for as long as the scope is open (a client made here is destroyed when it closes).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: DynamoTableOptions): Effect.Effect<Table.TableService, never, Scope.Scope> =>
  Effect.map(requester(options), (requests) =>
    Table.make(requests.table, (partition) => makeStorage(requests, partition))
  )

/**
 * The table as a layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: DynamoTableOptions): Layer.Layer<Table.Table> => Layer.scoped(Table.Table, make(options))
