/**
 * Bad input: every operation fails with `InvalidInput` before any request, never with a defect, a hang or a
 * partly applied write. Values are passed through `unknown` casts because JavaScript callers can pass anything.
 */
import { assert, describe } from "@effect/vitest"
import type { KeyValueStore, PreviousPair } from "@dynalock/core"
import { Duration, Effect, Schema, Stream } from "effect"
import { assertNothingWritten, assertPair, failsWith } from "./assertions.js"
import type { SuiteContext } from "./context.js"

type Store = KeyValueStore["Type"]

const cast = <A>(value: unknown): A => value as A

const badKeys: ReadonlyArray<readonly [string, string]> = [
  ["the empty key", ""],
  ["a key of 1025 UTF-8 bytes (343 UTF-16 units)", "€".repeat(341) + "ab"],
  ["a key with a lone surrogate", "bad\uD800key"],
  ["a key that is not a string", cast(42)]
]

const badTtls: ReadonlyArray<readonly [string, unknown]> = [
  ["zero", 0],
  ["Duration.zero", Duration.zero],
  ["negative", -1],
  ["a negative duration string", "-5 seconds"],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["Duration.infinity", Duration.infinity],
  ["an unparseable string", "soon"],
  ["an object", {}]
]

const badValues: ReadonlyArray<readonly [string, unknown]> = [
  ["a number", 42],
  ["null", null],
  ["undefined", undefined],
  ["a plain object", { value: "x" }],
  ["an array of numbers", [1, 2, 3]],
  ["an ArrayBuffer", new ArrayBuffer(3)],
  ["a string with a lone surrogate", "half \uDC00 a pair"]
]

const badPrefixes: ReadonlyArray<readonly [string, string]> = [
  ["a prefix with a lone surrogate", "\uD800"],
  ["a prefix of 1026 UTF-8 bytes", "€".repeat(342)],
  ["a prefix that is not a string", cast(7)]
]

const badPartitions: ReadonlyArray<readonly [string, string]> = [
  ["the empty partition name", ""],
  ["a partition name with a lone surrogate", "p\uDFFF"],
  ["a partition name over 2048 UTF-8 bytes", "€".repeat(683)]
]

/** Every operation of a store given this key, each expected to fail with InvalidInput. */
const keyOperations = (store: Store, key: string) => {
  const previous: PreviousPair = { partition: store.partition, key, version: 1 }
  const typed = store.forSchema(Schema.String)
  return [
    ["get", store.get(key)],
    ["exists", store.exists(key)],
    ["put", store.put(key, "v")],
    ["delete", store.delete(key)],
    ["atomicPut", store.atomicPut(key, "v")],
    ["atomicPut with previous", store.atomicPut(key, "v", { previous })],
    ["atomicDelete", store.atomicDelete(key, previous)],
    ["forSchema get", typed.get(key)],
    ["forSchema put", typed.put(key, "v")]
  ] as const
}

const allFailInvalid = (
  operations: ReadonlyArray<readonly [string, Effect.Effect<unknown, { readonly _tag: string }>]>
) => Effect.forEach(operations, ([name, operation]) => failsWith(operation, "InvalidInput", name))

const streamed = (store: Store, prefix: string) => Stream.runDrain(store.stream(prefix))

/** Registers the tests of InvalidInput for bad input. */
export const inputTests = <R>({ fresh, on, test }: SuiteContext<R>): void => {
  describe("bad input fails with InvalidInput and writes nothing", () => {
    for (const [label, key] of badKeys) {
      test(`${label}: every operation`, () =>
        Effect.gen(function* () {
          const { store } = yield* fresh
          yield* allFailInvalid(keyOperations(store, key))
          yield* assertNothingWritten(store)
        }))
    }

    for (const [label, ttl] of badTtls) {
      test(`a ttl that is ${label}: put and atomicPut`, () =>
        Effect.gen(function* () {
          const { partition, store } = yield* fresh
          const options = { ttl: cast<Duration.DurationInput>(ttl) }
          yield* failsWith(store.put("new", "v", options), "InvalidInput")
          yield* failsWith(store.atomicPut("new", "v", options), "InvalidInput")
          const existing = yield* store.put("existing", "kept")
          yield* failsWith(store.put("existing", "v", options), "InvalidInput")
          yield* failsWith(store.atomicPut("existing", "v", { ...options, previous: existing }), "InvalidInput")
          assertPair(yield* store.get("existing"), { partition, key: "existing", version: 1, value: "kept" })
          assert.isFalse(yield* store.exists("new"))
        }))
    }

    for (const [label, value] of badValues) {
      test(`a value that is ${label}: put and atomicPut`, () =>
        Effect.gen(function* () {
          const { partition, store } = yield* fresh
          yield* failsWith(store.put("new", cast(value)), "InvalidInput")
          yield* failsWith(store.atomicPut("new", cast(value)), "InvalidInput")
          const existing = yield* store.put("existing", "kept")
          yield* failsWith(store.put("existing", cast(value)), "InvalidInput")
          yield* failsWith(store.atomicPut("existing", cast(value), { previous: existing }), "InvalidInput")
          assertPair(yield* store.get("existing"), { partition, key: "existing", version: 1, value: "kept" })
          assert.isFalse(yield* store.exists("new"))
        }))
    }

    test("a schema value whose encoding throws (a getter that throws): forSchema put and atomicPut", () =>
      Effect.gen(function* () {
        const { store } = yield* fresh
        const explosive = Object.defineProperty({}, "boom", {
          enumerable: true,
          get: () => {
            throw new Error("a getter that throws")
          }
        })
        const typed = store.forSchema(Schema.Unknown)
        const error = yield* failsWith(typed.put("k", explosive), "InvalidInput")
        assert.include(error.message, "a getter that throws")
        yield* failsWith(typed.atomicPut("k", explosive), "InvalidInput")
        assert.isFalse(yield* store.exists("k"))
      }))

    test("a previous that is not a pair of this key: atomicPut and atomicDelete", () =>
      Effect.gen(function* () {
        const { partition, store } = yield* fresh
        const existing = yield* store.put("k", "kept")
        const other = yield* store.put("other", "x")
        const previouses: ReadonlyArray<readonly [string, unknown]> = [
          ["a pair of another key", other],
          ["version 0", { partition, key: "k", version: 0 }],
          ["a negative version", { partition, key: "k", version: -1 }],
          ["a fractional version", { partition, key: "k", version: 1.5 }],
          ["a NaN version", { partition, key: "k", version: Number.NaN }],
          ["a version that is a string", { partition, key: "k", version: "1" }],
          ["no version", { partition, key: "k" }],
          ["no partition", { key: "k", version: 1 }],
          ["null", null],
          ["a string", "k"]
        ]
        for (const [label, previous] of previouses) {
          yield* failsWith(
            store.atomicPut("k", "v", { previous: cast(previous) }),
            "InvalidInput",
            `atomicPut with ${label}`
          )
          yield* failsWith(store.atomicDelete("k", cast(previous)), "InvalidInput", `atomicDelete with ${label}`)
        }
        assertPair(yield* store.get("k"), { partition, key: "k", version: existing.version, value: "kept" })
      }))

    for (const [label, prefix] of badPrefixes) {
      test(`${label}: list and stream`, () =>
        Effect.gen(function* () {
          const { store } = yield* fresh
          yield* failsWith(store.list(prefix), "InvalidInput")
          yield* failsWith(streamed(store, prefix), "InvalidInput")
          yield* failsWith(store.forSchema(Schema.String).list(prefix), "InvalidInput")
        }))
    }

    for (const [label, partition] of badPartitions) {
      test(`${label}: every operation`, () =>
        Effect.gen(function* () {
          // Core refuses before any request, so there is no partition to look into for writes.
          const { store } = yield* on(partition)
          yield* allFailInvalid([
            ...keyOperations(store, "k"),
            ["list", store.list("")],
            ["stream", streamed(store, "")],
            ["forSchema list", store.forSchema(Schema.String).list("")]
          ])
        }))
    }
  })
}
