import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { KeyValueStore, Locker } from "@dynalock/core"
import { MemoryStore, MemoryTable } from "@dynalock/test-layer"

describe("where lock records live (MemoryStore)", () => {
  it.scoped("by default in `${partition}#locks`: the store's partition has none", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const { locker } = yield* MemoryStore.make({ table, partition: "jobs" })
      yield* locker.acquire("nightly")
      assert.isTrue(Option.isSome(yield* table.storage("jobs#locks").get("nightly", true)))
      assert.strictEqual(table.size("jobs"), 0)
    })
  )

  it.scoped("in the store's own partition when lockPartition says so (sharing with Go dynalock)", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const { locker, store } = yield* MemoryStore.make({ table, partition: "jobs", lockPartition: "jobs" })
      yield* locker.acquire("nightly")
      assert.isTrue(yield* store.exists("nightly"))
      assert.strictEqual(table.size("jobs#locks"), 0)
    })
  )

  it.scoped("the layer takes lockPartition too", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const services = MemoryStore.layer({ table, partition: "a", lockPartition: "elsewhere" })
      yield* Effect.gen(function* () {
        yield* (yield* Locker).acquire("k")
        assert.isFalse(yield* (yield* KeyValueStore).exists("k"))
      }).pipe(Effect.scoped, Effect.provide(services))
      assert.isTrue(Option.isSome(yield* table.storage("elsewhere").get("k", true)))
    })
  )

  it.scoped("an unusable lock partition is InvalidInput for the locker only", () =>
    Effect.gen(function* () {
      const { locker, store } = yield* MemoryStore.make({ partition: "p", lockPartition: "" })
      assert.strictEqual((yield* Effect.flip(locker.acquire("k")))._tag, "InvalidInput")
      assert.strictEqual((yield* store.put("k", "v")).version, 1)
    })
  )
})
