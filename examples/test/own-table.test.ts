// The own-table example's backend on an embedded dynalite: the storage it gives is the table's, so the suites'
// clients (Dynalock.makeOn over it) and DynamoStore, the users' constructor, see each other's writes and locks.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { Dynalock } from "@dynalock/core"
import { DynamoStore, DynamoTable } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { tableBackend } from "../own-table/backend.js"

describe("own-table example", () => {
  it.scopedLive("the backend's storage is the table's: what a suite client writes and locks, DynamoStore sees", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const backend = tableBackend(
        "dynalite",
        DynamoTable.layer({ tableName: server.tableName, client: server.clientConfig })
      )
      assert.isTrue(backend.exactSizes)
      const partition = `own-table-${crypto.randomUUID()}`
      const suiteClient = yield* Effect.flatMap(backend.storage(partition), (storage) => Dynalock.makeOn(storage)).pipe(
        Effect.provide(Layer.fresh(backend.layer))
      )
      // The suites' clients keep their lock records in the store's partition (Dynalock.makeOn over one storage).
      const user = yield* DynamoStore.make({
        tableName: server.tableName,
        partition,
        lockPartition: partition,
        client: server.clientConfig
      })

      const written = yield* suiteClient.store.put("config", "on")
      const read = yield* user.store.get("config")
      assert.strictEqual(new TextDecoder().decode(read.value), "on")
      assert.strictEqual(read.version, written.version)

      yield* user.locker.acquire("job")
      assert.isTrue(Option.isNone(yield* suiteClient.locker.tryAcquire("job")))
    })
  )
})
