/** Values near DynamoDB's 400 KB item limit: the largest that fits is accepted, one byte more is refused before
 *  any request, so nothing is written. */
import { assert, describe } from "@effect/vitest"
import { Storage } from "@dynalock/core"
import { Effect, Option } from "effect"
import { assertBytes, assertPair, failsWith, patternBytes, utf8 } from "./assertions.js"
import type { SuiteContext } from "./context.js"

/** Registers the tests of value size limits. */
export const limitTests = <R>({ backend, fresh, newPartition, on, test }: SuiteContext<R>): void => {
  describe("value size limits", () => {
    test(
      "a value of exactly maxPayloadSize(partition, key) bytes is written and read back intact",
      () =>
        Effect.gen(function* () {
          const { partition, store } = yield* fresh
          const value = patternBytes(Storage.maxPayloadSize(partition, "big"))
          assertPair(yield* store.put("big", value), { partition, key: "big", version: 1, value })
          assertPair(yield* store.get("big"), { partition, key: "big", version: 1, value })
          const [listed] = yield* store.list("big")
          assertBytes(listed!.value, value)
          const created = yield* store.atomicPut(
            "big-atomic",
            patternBytes(Storage.maxPayloadSize(partition, "big-atomic"))
          )
          assert.strictEqual(created.version, 1)
        }),
      60_000
    )

    test(
      "one byte more fails with InvalidInput, writes nothing and leaves an existing item as it was",
      () =>
        Effect.gen(function* () {
          const { partition, store } = yield* fresh
          const tooBig = patternBytes(Storage.maxPayloadSize(partition, "k") + 1)
          const error = yield* failsWith(store.put("k", tooBig), "InvalidInput")
          assert.strictEqual(error.key, "k")
          yield* failsWith(store.atomicPut("k", tooBig), "InvalidInput")
          assert.isFalse(yield* store.exists("k"))
          const existing = yield* store.put("k", "small")
          yield* failsWith(store.put("k", tooBig), "InvalidInput")
          yield* failsWith(store.atomicPut("k", tooBig, { previous: existing }), "InvalidInput")
          assertPair(yield* store.get("k"), { partition, key: "k", version: 1, value: "small" })
        }),
      60_000
    )

    test(
      "the limit shrinks with the UTF-8 length of a multibyte partition and key",
      () =>
        Effect.gen(function* () {
          const partition = `${yield* newPartition}/分区🗄️`
          const { store } = yield* on(partition)
          const key = "ключ/🔑".repeat(20)
          const max = Storage.maxPayloadSize(partition, key)
          assert.strictEqual(
            Storage.maxPayloadSize("p", "k") - max,
            utf8(partition).length - 1 + utf8(key).length - 1,
            "partition and key count their UTF-8 bytes"
          )
          yield* store.put(key, patternBytes(max))
          yield* failsWith(store.put(key, patternBytes(max + 1)), "InvalidInput")
          assert.strictEqual((yield* store.get(key)).value.length, max)
        }),
      60_000
    )

    test(
      "string values count their UTF-8 bytes, not their UTF-16 length",
      () =>
        Effect.gen(function* () {
          const { partition, store } = yield* fresh
          const max = Storage.maxPayloadSize(partition, "k")
          // Two UTF-8 bytes per character: the string is half as long as the limit in UTF-16 but over it in bytes.
          const text = "é".repeat(Math.floor(max / 2) + 1)
          assert.isBelow(text.length, max)
          yield* failsWith(store.put("k", text), "InvalidInput")
          assert.isFalse(yield* store.exists("k"))
          const fits = "é".repeat(Math.floor(max / 2))
          assert.strictEqual((yield* store.put("k", fits)).value.length, utf8(fits).length)
        }),
      60_000
    )

    // Below the store, the backend itself must refuse items DynamoDB would refuse. dynalite counts UTF-16 code
    // units (exactSizes: false), so there only an ASCII item over the limit is refused.
    test(
      backend.exactSizes
        ? "the backend refuses an item over 400 KB, counting UTF-8 bytes"
        : "the backend refuses an item over 400 KB of ASCII (it counts UTF-16 units, so multibyte data is not checked)",
      () =>
        Effect.gen(function* () {
          const { storage } = yield* fresh
          const payloads: Array<Storage.Payload> = [
            { _tag: "Bytes", bytes: patternBytes(Storage.maxItemBytes + 10_000) }
          ]
          if (backend.exactSizes) payloads.push({ _tag: "Text", text: "é".repeat(Storage.maxItemBytes / 2 + 10_000) })
          for (const payload of payloads) {
            const error = yield* failsWith(
              storage.update({ key: "oversized", condition: { _tag: "Always" }, payload, expiresAt: Option.none() }),
              "StoreError"
            )
            assert.strictEqual(error.reason, "Validation")
          }
          assert.isTrue(Option.isNone(yield* storage.get("oversized", true)))
        }),
      60_000
    )
  })
}
