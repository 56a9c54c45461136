/** Partition isolation: stores on two partitions of one table never see each other's items. */
import { assert, describe } from "@effect/vitest"
import { Effect } from "effect"
import { assertPair, failsWith, keysOf } from "./assertions.js"
import type { SuiteContext } from "./context.js"

/** Registers the tests of partition isolation. */
export const partitionTests = <R>({ newPartition, on, test }: SuiteContext<R>): void => {
  describe("partition isolation", () => {
    // The second partition's name begins with the first's, so a prefix match on partitions would leak.
    const twoPartitions = Effect.gen(function* () {
      const name = yield* newPartition
      return { one: yield* on(name), two: yield* on(`${name}/2`) }
    })

    test("the same key in two partitions holds two independent items", () =>
      Effect.gen(function* () {
        const { one, two } = yield* twoPartitions
        yield* one.store.put("shared", "in one")
        yield* one.store.put("shared", "in one, again")
        yield* two.store.put("shared", "in two")
        assertPair(yield* one.store.get("shared"), {
          partition: one.partition,
          key: "shared",
          version: 2,
          value: "in one, again"
        })
        assertPair(yield* two.store.get("shared"), {
          partition: two.partition,
          key: "shared",
          version: 1,
          value: "in two"
        })
        yield* one.store.delete("shared")
        assert.isFalse(yield* one.store.exists("shared"))
        assert.isTrue(yield* two.store.exists("shared"))
      }))

    test("list and get see only the store's own partition", () =>
      Effect.gen(function* () {
        const { one, two } = yield* twoPartitions
        yield* one.store.put("only-one", "1")
        yield* two.store.put("only-two", "2")
        assert.deepStrictEqual(keysOf(yield* one.store.list("")), ["only-one"])
        assert.deepStrictEqual(keysOf(yield* two.store.list("")), ["only-two"])
        yield* failsWith(one.store.get("only-two"), "KeyNotFound")
        assert.isFalse(yield* two.store.exists("only-one"))
      }))

    test("atomic operations are decided per partition", () =>
      Effect.gen(function* () {
        const { one, two } = yield* twoPartitions
        const inOne = yield* one.store.atomicPut("k", "one")
        // A live item in partition one does not make a create in partition two fail.
        const inTwo = yield* two.store.atomicPut("k", "two")
        assert.strictEqual(inTwo.version, 1)
        // A pair read from another partition is not a valid previous.
        yield* failsWith(two.store.atomicPut("k", "x", { previous: inOne }), "InvalidInput")
        yield* failsWith(two.store.atomicDelete("k", inOne), "InvalidInput")
        yield* two.store.atomicDelete("k", inTwo)
        assert.isTrue(yield* one.store.exists("k"))
      }))
  })
}
