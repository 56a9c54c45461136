/**
 * `layerMemory` as the reference model: random sequences of every method, on the store and on a
 * `KeyValueStore.prefix` view of it, schema stores included, must give the same answers on the adapter.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { isDeepStrictEqual } from "node:util"
import { assert, describe } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Option, Schema } from "effect"
import type { PlatformSuiteContext } from "./context.js"

// Few keys, so that operations meet; "p/…" keys are also what the prefixed view reaches.
const key = fc.constantFrom("a", "b", "a/b", "😀", "p/a", "p/b")
const text = fc.constantFrom("", "x", "héllo 😀", "aGk=", '{"n":1}', '"q"', "{ nope")
const bytes = fc.constantFrom(
  [],
  [0xff, 0xfe],
  [0x22, 0x71, 0x22],
  [1, 2, 3],
  [0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x32, 0x7d]
)
type View = "store" | "prefixed"
const view = fc.constantFrom<View>("store", "prefixed")
type Step =
  | { readonly op: "set"; readonly view: View; readonly key: string; readonly text: string }
  | { readonly op: "setBytes"; readonly view: View; readonly key: string; readonly bytes: ReadonlyArray<number> }
  | {
      readonly op: "get" | "getUint8Array" | "has" | "remove" | "modify" | "modifyUint8Array"
      readonly view: View
      readonly key: string
    }
  | { readonly op: "size" | "isEmpty" | "clear"; readonly view: View }
  | { readonly op: "schemaSet"; readonly view: View; readonly key: string; readonly n: number }
  | { readonly op: "schemaGet" | "schemaModify"; readonly view: View; readonly key: string }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("set" as const), view, key, text }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("setBytes" as const), view, key, bytes }) },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constantFrom(
        "get" as const,
        "getUint8Array" as const,
        "has" as const,
        "remove" as const,
        "modify" as const,
        "modifyUint8Array" as const
      ),
      view,
      key
    })
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("size" as const, "isEmpty" as const), view }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("clear" as const), view }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant("schemaSet" as const), view, key, n: fc.integer({ min: -5, max: 5 }) })
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("schemaGet" as const, "schemaModify" as const), view, key }) }
)

const Counter = Schema.Struct({ n: Schema.Number })

/** An answer as plain data: bytes as arrays of numbers, options as `{ some }` or "none", failures by tag. */
type Answer = unknown

const plain = (value: unknown): unknown =>
  value instanceof Uint8Array
    ? { bytes: Array.from(value) }
    : Option.isOption(value)
      ? Option.match(value, { onNone: () => "none", onSome: (inner) => ({ some: plain(inner) }) })
      : value === undefined
        ? null
        : value

const answer = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>): Effect.Effect<Answer> =>
  Effect.map(Effect.either(effect), (result) =>
    Either.isRight(result) ? { ok: plain(result.right) } : { error: result.left._tag }
  )

const apply = (root: KeyValueStore.KeyValueStore, s: Step): Effect.Effect<Answer> => {
  const store = s.view === "store" ? root : KeyValueStore.prefix(root, "p/")
  const counters = store.forSchema(Counter)
  switch (s.op) {
    // layerMemory's set and remove succeed with what Map#set and Map#delete return; both are typed void.
    case "set":
      return answer(Effect.asVoid(store.set(s.key, s.text)))
    case "setBytes":
      return answer(Effect.asVoid(store.set(s.key, Uint8Array.from(s.bytes))))
    case "get":
      return answer(store.get(s.key))
    case "getUint8Array":
      return answer(store.getUint8Array(s.key))
    case "has":
      return answer(store.has(s.key))
    case "remove":
      return answer(Effect.asVoid(store.remove(s.key)))
    case "modify":
      return answer(store.modify(s.key, (v) => `${v}+`))
    case "modifyUint8Array":
      return answer(store.modifyUint8Array(s.key, (v) => Uint8Array.from([...v, 7])))
    case "size":
      return answer(store.size)
    case "isEmpty":
      return answer(store.isEmpty)
    case "clear":
      return answer(Effect.asVoid(store.clear))
    case "schemaSet":
      return answer(Effect.asVoid(counters.set(s.key, { n: s.n })))
    case "schemaGet":
      return answer(counters.get(s.key))
    case "schemaModify":
      return answer(counters.modify(s.key, ({ n }) => ({ n: n + 1 })))
  }
}

export const platformModelTests = <R>({ it, freshKv, reference, propertyRuns }: PlatformSuiteContext<R>): void => {
  describe("against layerMemory", () => {
    it.scoped.prop(
      "random sequences of every method give the same answers as layerMemory",
      [fc.array(step, { minLength: 1, maxLength: 40 })],
      ([steps]) =>
        Effect.gen(function* () {
          const { kv } = yield* freshKv
          const memory = yield* reference
          for (let i = 0; i < steps.length; i++) {
            const s = steps[i]!
            const expected = yield* apply(memory, s)
            const actual = yield* apply(kv, s)
            // The message lists the steps so far; built only on a mismatch.
            if (!isDeepStrictEqual(actual, expected)) {
              assert.deepStrictEqual(actual, expected, `step ${i + 1} of ${JSON.stringify(steps.slice(0, i + 1))}`)
            }
          }
          const everything: ReadonlyArray<Step> = [
            { op: "size", view: "store" },
            ...["a", "b", "a/b", "😀", "p/a", "p/b"].map((k): Step => ({ op: "getUint8Array", view: "store", key: k }))
          ]
          for (const s of everything)
            assert.deepStrictEqual(yield* apply(kv, s), yield* apply(memory, s), "final contents")
        }),
      { timeout: 120_000, fastCheck: { numRuns: propertyRuns } }
    )
  })
}
