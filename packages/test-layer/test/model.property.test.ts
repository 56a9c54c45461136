import { isDeepStrictEqual } from "node:util"
import { assert, layer } from "@effect/vitest"
import type { KeyValueStore, KVPair } from "@dynalock/core"
import { MemoryStore } from "@dynalock/test-layer"
import { Clock, DateTime, Effect, Either, FastCheck as fc, Layer, Option, TestClock } from "effect"
import type { Answer, Operation, Outcome, PairView } from "./support/referenceModel.js"
import { ReferenceModel } from "./support/referenceModel.js"

// A small alphabet, so that operations meet on the same keys and prefixes overlap ("a" / "a/" / "ab").
const key = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom("a", "a/", "a/b", "ab", "😀") },
  { weight: 1, arbitrary: fc.constantFrom("", "\uD800") }
)
const value = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom("", "v1", "v2", "héllo", "😀") },
  { weight: 1, arbitrary: fc.constant("bad \uDC00") }
)
// Multiples of 250 ms, so that clock advances land exactly on expiry instants too; 0 is an invalid ttl.
const ttl = fc.option(
  fc.oneof({ weight: 30, arbitrary: fc.constantFrom(500, 1000, 1500, 2000) }, { weight: 1, arbitrary: fc.constant(0) }),
  {
    nil: undefined
  }
)
// "latest": the version of the last pair of that key the test saw (often current, sometimes stale).
const previous = fc.oneof(
  { weight: 4, arbitrary: fc.constant("latest" as const) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) }
)

type Plan =
  | Exclude<Operation, { readonly op: "atomicPut" } | { readonly op: "atomicDelete" }>
  | {
      readonly op: "atomicPut"
      readonly key: string
      readonly value: string
      readonly ttl?: number
      readonly previous?: "latest" | number
    }
  | { readonly op: "atomicDelete"; readonly key: string; readonly previous: "latest" | number }

const withTtl = <A extends object>(base: A, ttl: number | undefined) => (ttl === undefined ? base : { ...base, ttl })

const plan: fc.Arbitrary<Plan> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(key, value, ttl).map(([key, value, ttl]): Plan => withTtl({ op: "put", key, value }, ttl))
  },
  { weight: 3, arbitrary: key.map((key): Plan => ({ op: "get", key })) },
  { weight: 1, arbitrary: key.map((key): Plan => ({ op: "exists", key })) },
  { weight: 1, arbitrary: key.map((key): Plan => ({ op: "delete", key })) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(key, value, ttl, fc.option(previous, { nil: undefined }))
      .map(([key, value, ttl, previous]): Plan =>
        withTtl(
          previous === undefined ? { op: "atomicPut", key, value } : { op: "atomicPut", key, value, previous },
          ttl
        )
      )
  },
  {
    weight: 2,
    arbitrary: fc.tuple(key, previous).map(([key, previous]): Plan => ({ op: "atomicDelete", key, previous }))
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", "a", "a/", "ab", "😀", "x").map((prefix): Plan => ({ op: "list", prefix }))
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(0, 250, 500, 1000, 1500, 2500).map((millis): Plan => ({ op: "advance", millis }))
  }
)

const decoder = new TextDecoder()

const view = (pair: KVPair): PairView => ({
  key: pair.key,
  version: pair.version,
  expires: Option.getOrNull(Option.map(pair.expires, DateTime.toEpochMillis)),
  value: decoder.decode(pair.value)
})

const outcome = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>, ok: (a: A) => Answer) =>
  Effect.map(Effect.either(effect), (result): Outcome =>
    Either.isRight(result) ? { ok: ok(result.right) } : { error: result.left._tag as "KeyNotFound" }
  )

const run = (store: KeyValueStore["Type"], op: Operation): Effect.Effect<Outcome> => {
  const options = (extra: object) => ("ttl" in op && op.ttl !== undefined ? { ...extra, ttl: op.ttl } : extra)
  const previous = (version: number) => ({ partition: store.partition, key: "key" in op ? op.key : "", version })
  switch (op.op) {
    case "put":
      return outcome(store.put(op.key, op.value, options({})), view)
    case "get":
      return outcome(store.get(op.key), view)
    case "exists":
      return outcome(store.exists(op.key), (exists) => exists)
    case "delete":
      return outcome(store.delete(op.key), () => null)
    case "atomicPut":
      return outcome(
        store.atomicPut(
          op.key,
          op.value,
          options(op.previous === undefined ? {} : { previous: previous(op.previous) })
        ),
        view
      )
    case "atomicDelete":
      return outcome(store.atomicDelete(op.key, previous(op.previous)), () => null)
    case "list":
      return outcome(store.list(op.prefix), (pairs) => pairs.map(view))
    case "advance":
      return Effect.as(TestClock.adjust(op.millis), { ok: null })
  }
}

// One test environment for all runs: building TestClock and friends per run would cost more than the run. Runs
// share the clock, so the model starts at whatever time the clock shows; each run has its own store and table.
layer(Layer.empty)("the memory store against a reference model", (it) => {
  it.scoped.prop(
    "random operation sequences give the same values, versions, errors and lists",
    [fc.array(plan, { minLength: 1, maxLength: 60, size: "large" })],
    ([plans]) =>
      Effect.gen(function* () {
        const { store } = yield* MemoryStore.make()
        const model = new ReferenceModel(yield* Clock.currentTimeMillis)
        // The last version seen per key, so that `previous: "latest"` is whatever a caller would hold.
        const latest = new Map<string, number>()
        const seen = (result: Outcome) => {
          if (!("ok" in result) || result.ok === null || typeof result.ok === "boolean") return
          for (const pair of Array.isArray(result.ok) ? result.ok : [result.ok as PairView])
            latest.set(pair.key, pair.version)
        }
        const steps: Array<Operation> = []
        for (const step of plans) {
          const op: Operation =
            step.op === "atomicDelete" || (step.op === "atomicPut" && step.previous !== undefined)
              ? { ...step, previous: step.previous === "latest" ? (latest.get(step.key) ?? 1) : step.previous! }
              : (step as Operation)
          steps.push(op)
          const expected = model.apply(op)
          const actual = yield* run(store, op)
          // The message lists every step so far; built only on a mismatch, as it grows with the sequence.
          if (!isDeepStrictEqual(actual, expected)) {
            assert.deepStrictEqual(actual, expected, `step ${steps.length} of ${JSON.stringify(steps)}`)
          }
          seen(actual)
        }
        assert.deepStrictEqual(
          yield* run(store, { op: "list", prefix: "" }),
          model.apply({ op: "list", prefix: "" }),
          "final contents"
        )
      }),
    { timeout: 60_000, fastCheck: { numRuns: 300 } }
  )
})
