import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { KeyValueStore } from "@dynalock/core"
import { MemoryStore } from "@dynalock/test-layer"

describe("smoke", () => {
  it.effect("put/get", () =>
    Effect.gen(function* () {
      const store = yield* KeyValueStore
      const put = yield* store.put("a", "hello")
      assert.strictEqual(put.version, 1)
      const got = yield* store.get("a")
      assert.strictEqual(new TextDecoder().decode(got.value), "hello")
    }).pipe(Effect.provide(MemoryStore.layer()))
  )
})
