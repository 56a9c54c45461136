// The platform adapter over a DynamoStore whose table does not exist: real failures of the DynamoDB layer become
// SystemErrors that keep the StoreError (the suite checks the whole mapping with injected failures on every backend).
import { assert, describe, it } from "@effect/vitest"
import * as PlatformKeyValueStore from "@dynalock/core/PlatformKeyValueStore"
import { StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { KeyValueStore } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Layer } from "effect"
import { freshPartition } from "./support/dynamo.js"

describe("PlatformKeyValueStore over DynamoStore", () => {
  it.scopedLive(
    "a table that does not exist: every method fails with SystemError NotFound, the StoreError its cause",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.make()
        const layer = PlatformKeyValueStore.layer.pipe(
          Layer.provide(
            DynamoStore.layer({ tableName: "no-such-table", partition: freshPartition(), client: server.clientConfig })
          )
        )
        const kv = yield* Effect.provide(KeyValueStore.KeyValueStore, layer)
        const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, PlatformError>]> = [
          ["get", kv.get("k")],
          ["set", kv.set("k", "v")],
          ["modify", kv.modify("k", (v) => v)],
          ["size", kv.size],
          ["clear", kv.clear]
        ]
        for (const [method, call] of calls) {
          const error = yield* Effect.flip(call)
          if (error._tag !== "SystemError") return assert.fail(`${method}: expected a SystemError, got ${error._tag}`)
          assert.strictEqual(error.reason, "NotFound", method)
          assert.strictEqual(error.method, method)
          assert.instanceOf(error.cause, StoreError, `${method}: cause`)
          assert.strictEqual((error.cause as StoreError).reason, "TableNotFound", `${method}: cause`)
          assert.include(error.message, "no-such-table")
        }
      })
  )
})
