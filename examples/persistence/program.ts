/**
 * The persistence example's story: `@effect/experimental`'s `PersistedCache` keeps the results of a slow upstream in
 * DynamoDB, through `Persistence.layerResultKeyValueStore` on `@effect/platform`'s `KeyValueStore`, which
 * `@dynalock/core/PlatformKeyValueStore` provides over a `DynamoStore`.
 *
 * 1. instance-1 (a process of its own: its own clients, an empty in-memory cache) looks up three rates. The upstream
 *    serves all three; one fails (an unknown currency), and that failure is cached too.
 * 2. instance-2, another process, looks up the same three: all come from DynamoDB, the upstream serves none, and the
 *    failure comes back as the same typed error.
 * 3. The table holds one item per request: a DynamoDB string with the JSON of the result and its expiry.
 * 4. Once the time to live has passed, instance-3 finds the entries expired and asks the upstream again.
 */
import { KeyValueStore } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { PersistedCache, Persistence } from "@effect/experimental"
import { Console, Duration, Effect, Layer } from "effect"
import type { Scope } from "effect"
import type { InvalidInput, StoreError } from "@dynalock/core"
import * as PlatformKeyValueStore from "@dynalock/core/PlatformKeyValueStore"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import { GetRate, makeUpstream } from "./ExchangeRates.js"
import type { Upstream } from "./ExchangeRates.js"

/** Timings of the story. */
export interface Settings {
  /** How long a cached result is good for. */
  readonly ttl: Duration.Duration
  /** How long the upstream takes per lookup. */
  readonly latency: Duration.Duration
}

/** What one instance saw. */
export interface Round {
  readonly answers: ReadonlyArray<string>
  /** Lookups the upstream served for this instance. */
  readonly upstreamCalls: number
}

/** What happened. */
export interface Result {
  readonly first: Round
  readonly second: Round
  /** The cache's items in the table: key and stored text. */
  readonly stored: ReadonlyArray<{ readonly key: string; readonly text: string }>
  readonly afterTtl: Round
}

/** The cache's own partition: `clear` and `size` of the platform store cover the whole partition. */
const partition = "PersistenceExample"
const storeId = "rates/"

const requests = [
  new GetRate({ from: "EUR", to: "USD" }),
  new GetRate({ from: "GBP", to: "JPY" }),
  new GetRate({ from: "EUR", to: "XYZ" })
]

/** Platform's `KeyValueStore` on DynamoDB: the adapter over a `DynamoStore` client. */
const platformStore = (table: DemoTable.DemoTable) =>
  PlatformKeyValueStore.layer.pipe(Layer.provide(DynamoStore.layer(DemoTable.storeOptions(table, partition))))

/** `ResultPersistence` (what `PersistedCache` stores through) on that `KeyValueStore`. */
const persistence = (table: DemoTable.DemoTable) =>
  Persistence.layerResultKeyValueStore.pipe(Layer.provide(platformStore(table)))

/** One process: its own clients and in-memory cache, the shared upstream and table. */
const instance = (name: string, table: DemoTable.DemoTable, settings: Settings, upstream: Upstream) =>
  Effect.gen(function* () {
    const before = yield* upstream.calls
    const cache = yield* PersistedCache.make({
      storeId,
      lookup: upstream.lookup,
      // Failures too: an unknown currency stays unknown for a while.
      timeToLive: () => settings.ttl
    })
    const answers = yield* Effect.forEach(
      requests,
      (request) =>
        cache.get(request).pipe(
          Effect.map((rate) => `1 ${request.from} = ${rate} ${request.to}`),
          Effect.catchTag("UnknownCurrency", (error) =>
            Effect.succeed(`${request.from}->${request.to}: UnknownCurrency ${error.code}`)
          )
        ),
      { concurrency: "unbounded" }
    )
    const upstreamCalls = (yield* upstream.calls) - before
    yield* Console.log(`${name}: ${answers.join(" | ")}  (upstream lookups: ${upstreamCalls})`)
    return { answers, upstreamCalls }
  }).pipe(Effect.scoped, Effect.provide(persistence(table)))

/** What the table holds for the cache, read as any client would: keys from the store, values through the adapter. */
const contents = (table: DemoTable.DemoTable) =>
  Effect.gen(function* () {
    const { store } = yield* DynamoStore.make(DemoTable.storeOptions(table, partition))
    const kv = PlatformKeyValueStore.make(store)
    const pairs = yield* store.list(storeId)
    return yield* Effect.forEach(pairs, (pair) =>
      Effect.map(kv.get(pair.key), (text) => ({ key: pair.key, text: text._tag === "Some" ? text.value : "" }))
    )
  })

/** Runs the story on `table`. */
export const run = (
  table: DemoTable.DemoTable,
  settings: Settings
): Effect.Effect<Result, Persistence.PersistenceError | PlatformError | InvalidInput | StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    yield* Console.log(`table: ${table.description}, partition "${partition}"`)
    // A cache left by an earlier run on a real table would change the story.
    yield* Effect.provide(
      Effect.flatMap(KeyValueStore.KeyValueStore, (kv) => kv.clear),
      platformStore(table)
    )
    const upstream = yield* makeUpstream(settings.latency)

    yield* Console.log(
      `\n1. a first process looks up three rates (the upstream takes ${Duration.format(settings.latency)} each)`
    )
    const first = yield* instance("instance-1", table, settings, upstream)

    yield* Console.log("\n2. another process, with an empty in-memory cache, looks up the same rates")
    const second = yield* instance("instance-2", table, settings, upstream)

    yield* Console.log("\n3. the cache in DynamoDB: one item per request, the result's JSON and its expiry")
    const stored = yield* contents(table)
    for (const { key, text } of stored) yield* Console.log(`  ${key}: ${text}`)

    yield* Console.log(`\n4. after the time to live (${Duration.format(settings.ttl)}), a third process`)
    yield* Effect.sleep(Duration.sum(settings.ttl, Duration.millis(100)))
    const afterTtl = yield* instance("instance-3", table, settings, upstream)
    return { first, second, stored, afterTtl }
  })
