/** The client's lifetime, configuration, interruption and bad options. */
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb"
import { afterEach, assert, describe, it, vi } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Exit, Fiber, Option, Scope } from "effect"
import type { Layer } from "effect"
import { KeyValueStore, Locker } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { freshPartition, storageOn } from "./support/dynamo.js"
import { fakeDynamo } from "./support/fakeDynamo.js"

afterEach(() => {
  vi.restoreAllMocks()
})

/** Counts `destroy` calls by client instance. */
const watchDestroy = () => {
  const destroyed: Array<unknown> = []
  const original = DynamoDBClient.prototype.destroy
  vi.spyOn(DynamoDBClient.prototype, "destroy").mockImplementation(function (this: DynamoDBClient) {
    destroyed.push(this)
    original.call(this)
  })
  return destroyed
}

describe("client lifetime", () => {
  it.scopedLive("a client made from a configuration is destroyed when the scope closes", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const destroyed = watchDestroy()
      const scope = yield* Scope.make()
      const { store } = yield* DynamoStore.make({
        tableName: server.tableName,
        partition: freshPartition(),
        client: server.clientConfig
      }).pipe(Scope.extend(scope))
      yield* store.put("k", "v")
      assert.strictEqual(destroyed.length, 0)
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(destroyed.length, 1)
    })
  )

  it.scopedLive("the layer's client is destroyed when the layer is released", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const destroyed = watchDestroy()
      const live = DynamoStore.layer({
        tableName: server.tableName,
        partition: freshPartition(),
        client: server.clientConfig
      })
      yield* Effect.flatMap(KeyValueStore, (store) => store.put("k", "v")).pipe(Effect.provide(live))
      assert.strictEqual(destroyed.length, 1)
    })
  )

  it.scopedLive("a client passed in is left alone, and stays usable", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const client = new DynamoDBClient(server.clientConfig)
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
      const destroyed = watchDestroy()
      yield* Effect.scoped(
        Effect.flatMap(
          DynamoStore.make({ tableName: server.tableName, partition: freshPartition(), client }),
          ({ store }) => store.put("k", "v")
        )
      )
      yield* Effect.flatMap(KeyValueStore, (store) => store.get("k")).pipe(
        Effect.provide(DynamoStore.layer({ tableName: server.tableName, partition: "other", client })),
        Effect.flip
      )
      assert.strictEqual(destroyed.length, 0)
      const tables = yield* Effect.promise(() => client.send(new ListTablesCommand({})))
      assert.include(tables.TableNames ?? [], server.tableName)
    })
  )
})

describe("configuration", () => {
  it.scopedLive("layerConfig reads the table and partition from configuration", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const partition = freshPartition()
      const live = DynamoStore.layerConfig({
        tableName: Config.string("DYNALOCK_TABLE"),
        partition: Config.string("DYNALOCK_PARTITION"),
        client: Config.succeed(server.clientConfig)
      })
      const provider = ConfigProvider.fromMap(
        new Map([
          ["DYNALOCK_TABLE", server.tableName],
          ["DYNALOCK_PARTITION", partition]
        ])
      )
      const pair = yield* Effect.flatMap(KeyValueStore, (store) => store.put("k", "v")).pipe(
        Effect.provide(live),
        Effect.withConfigProvider(provider)
      )
      assert.strictEqual(pair.partition, partition)
      const missing = yield* Effect.flip(
        Effect.flatMap(KeyValueStore, (store) => store.get("k")).pipe(
          Effect.provide(live),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
      )
      assert.strictEqual(missing._tag, "ConfigError")
    })
  )

  it.scopedLive(
    "lock records live in `${partition}#locks`, or where lockPartition (also from configuration) says",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.make()
        const partition = freshPartition()
        const raw = (id: string) => storageOn(server, id)
        const byDefault = yield* DynamoStore.make({
          tableName: server.tableName,
          partition,
          client: server.clientConfig
        })
        yield* byDefault.locker.acquire("default")
        assert.isTrue(Option.isSome(yield* (yield* raw(`${partition}#locks`)).get("default", true)))
        assert.isFalse(yield* byDefault.store.exists("default"))
        const live = DynamoStore.layerConfig({
          tableName: Config.succeed(server.tableName),
          partition: Config.succeed(partition),
          lockPartition: Config.string("DYNALOCK_LOCK_PARTITION"),
          client: Config.succeed(server.clientConfig)
        })
        const provider = ConfigProvider.fromMap(new Map([["DYNALOCK_LOCK_PARTITION", partition]]))
        const shared = yield* Effect.gen(function* () {
          yield* (yield* Locker).acquire("shared")
          return yield* (yield* KeyValueStore).exists("shared")
        }).pipe(Effect.scoped, Effect.provide(live), Effect.withConfigProvider(provider))
        assert.isTrue(shared, "with lockPartition = partition the lock record is an item of the store's partition")
      })
  )

  it.scopedLive("bad options do not break building: every operation fails with InvalidInput", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      for (const options of [
        { tableName: "", partition: "p" },
        { tableName: server.tableName, partition: "" }
      ]) {
        const { locker, store } = yield* DynamoStore.make({ ...options, client: server.clientConfig })
        assert.strictEqual((yield* Effect.flip(store.get("k")))._tag, "InvalidInput")
        assert.strictEqual((yield* Effect.flip(store.put("k", "v")))._tag, "InvalidInput")
        assert.strictEqual((yield* Effect.flip(Effect.scoped(locker.acquire("lock"))))._tag, "InvalidInput")
      }
      // The layer builds too (its error channel is never).
      const live: Layer.Layer<KeyValueStore | Locker> = DynamoStore.layer({
        tableName: "",
        partition: "",
        client: server.clientConfig
      })
      const failure = yield* Effect.flip(
        Effect.flatMap(KeyValueStore, (store) => store.get("k")).pipe(Effect.provide(live))
      )
      assert.strictEqual(failure._tag, "InvalidInput")
    })
  )
})

describe("interruption", () => {
  it.scopedLive("interrupting a request aborts it promptly", () =>
    Effect.gen(function* () {
      const fake = yield* fakeDynamo(() => ({ _tag: "Hang" }))
      const { store } = yield* DynamoStore.make({
        tableName: "t",
        partition: "p",
        client: fake.clientConfig,
        requestTimeout: "1 minute"
      })
      const fiber = yield* Effect.fork(store.get("k"))
      while (fake.requests.length === 0) yield* Effect.sleep("10 millis")
      const started = Date.now()
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isBelow(Date.now() - started, 1_000)
      // The abort reached the HTTP request: its connection was closed.
      while (fake.closedConnections() === 0) yield* Effect.sleep("10 millis")
      assert.deepStrictEqual(fake.requests, ["GetItem"])
    })
  )

  it.scopedLive("a waiting lock acquisition is interrupted with its request", () =>
    Effect.gen(function* () {
      // Held by another client: the claim is refused, the waiter asks for a place in line (the answer does not show
      // its entry, so it asks again), and from then on nothing answers, not even its attempt to leave the line.
      const held = {
        id: { S: "p" },
        name: { S: "lock" },
        version: { N: "1" },
        stamp: { N: "1" },
        owner: { S: "f".repeat(32) },
        expiresMs: { N: String(Date.now() + 3_600_000) },
        expires: { N: String(Math.ceil(Date.now() / 1000) + 3600) },
        fence: { N: "1" }
      }
      const fake = yield* fakeDynamo((operation, attempt) => {
        if (operation !== "UpdateItem") return { _tag: "Hang" }
        if (attempt === 1)
          return { _tag: "Error", status: 400, type: "ConditionalCheckFailedException", fields: { Item: held } }
        if (attempt === 2)
          return {
            _tag: "Json",
            body: { Attributes: { ...held, line: { L: [{ S: `${"e".repeat(32)}:${Date.now() + 2000}` }] } } }
          }
        return { _tag: "Hang" }
      })
      const { locker } = yield* DynamoStore.make({
        tableName: "t",
        partition: "p",
        client: fake.clientConfig,
        requestTimeout: "1 minute"
      })
      const fiber = yield* Effect.fork(Effect.scoped(locker.acquire("lock")))
      while (fake.requests.length < 3) yield* Effect.sleep("10 millis")
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.timeout("2 seconds"), Effect.option)
      assert.isTrue(Option.isSome(exit) && Exit.isInterrupted(exit.value))
    })
  )
})
