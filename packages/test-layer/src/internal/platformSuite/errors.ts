/**
 * Failures as `PlatformError`s: input the store refuses is `BadArgument`, a failing backend a `SystemError`; both
 * keep the store's own error as the `cause`, and name the platform method that failed.
 */
import type { PlatformError } from "@effect/platform/Error"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import { assert, describe } from "@effect/vitest"
import * as PlatformKeyValueStore from "@dynalock/core/PlatformKeyValueStore"
import { StoreError, StoreErrorReason } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { Effect } from "effect"
import { failsWith } from "../suite/assertions.js"
import type { PlatformSuiteContext } from "./context.js"

/** Every method that takes a key, called with `key`. */
const keyed = (
  kv: KeyValueStore.KeyValueStore,
  key: string
): ReadonlyArray<readonly [string, Effect.Effect<unknown, PlatformError>]> => [
  ["get", kv.get(key)],
  ["getUint8Array", kv.getUint8Array(key)],
  ["set", kv.set(key, "v")],
  ["remove", kv.remove(key)],
  ["has", kv.has(key)],
  ["modify", kv.modify(key, (v) => v)],
  ["modifyUint8Array", kv.modifyUint8Array(key, (v) => v)]
]

// The platform's reason for each of the store's; a reason added to StoreErrorReason must be given one here.
const expectedReasons: Readonly<Record<string, string>> = {
  Throttled: "Busy",
  Unavailable: "Unknown",
  Timeout: "TimedOut",
  TableNotFound: "NotFound",
  AccessDenied: "PermissionDenied",
  Configuration: "BadResource",
  Validation: "InvalidData",
  Unknown: "Unknown"
}

/** A storage whose every request fails with `error`. */
const failing = (storage: Storage.Storage, error: StoreError): Storage.Storage => ({
  ...storage,
  get: () => Effect.fail(error),
  update: () => Effect.fail(error),
  delete: () => Effect.fail(error),
  query: () => Effect.fail(error)
})

export const platformErrorTests = <R>({ freshKv, storeOver, test }: PlatformSuiteContext<R>): void => {
  describe("errors", () => {
    const badKeys: ReadonlyArray<readonly [string, string]> = [
      ["an empty key", ""],
      ["a key over 1024 UTF-8 bytes", "é".repeat(513)],
      ["a key with an unpaired surrogate", "bad\uD800key"]
    ]
    for (const [what, key] of badKeys) {
      test(`${what} is BadArgument from every method, with the store's InvalidInput as cause`, () =>
        Effect.gen(function* () {
          const { kv } = yield* freshKv
          for (const [method, call] of keyed(kv, key)) {
            const error = yield* failsWith(call, "BadArgument", method)
            assert.strictEqual(error.module, "KeyValueStore")
            assert.strictEqual(error.method, method)
            assert.strictEqual((error.cause as { readonly _tag?: unknown })._tag, "InvalidInput", `${method}: cause`)
            assert.include(error.message, (error.cause as Error).message)
          }
          assert.isTrue(yield* kv.isEmpty, "nothing may have been written")
        }))
    }

    test("values the store refuses are BadArgument and write nothing", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("k", "before")
        const refused: ReadonlyArray<readonly [string, Effect.Effect<unknown, PlatformError>]> = [
          ["a string with an unpaired surrogate", kv.set("k", "bad \uDC00 value")],
          ["a value larger than one item", kv.set("k", new Uint8Array(400 * 1024))],
          ["a modify to a value larger than one item", kv.modify("k", (v) => v.padEnd(400 * 1024, "x"))]
        ]
        for (const [what, call] of refused) {
          const error = yield* failsWith(call, "BadArgument", what)
          assert.strictEqual((error.cause as { readonly _tag?: unknown })._tag, "InvalidInput", `${what}: cause`)
        }
        assert.strictEqual(yield* kv.size, 1)
        const kept = yield* kv.get("k")
        assert.deepStrictEqual(kept._tag === "Some" ? kept.value : undefined, "before")
      }))

    test("a failing backend is a SystemError of every method, keeping the StoreError as cause", () =>
      Effect.gen(function* () {
        const { storage } = yield* freshKv
        for (const reason of StoreErrorReason.literals) {
          const injected = new StoreError({
            operation: "query",
            reason,
            cause: new Error(`injected ${reason}`),
            detail: "injected"
          })
          const kv = PlatformKeyValueStore.make(yield* storeOver(failing(storage, injected)))
          const calls = [
            ...keyed(kv, "some/key"),
            ["size", kv.size] as const,
            ["isEmpty", kv.isEmpty] as const,
            ["clear", kv.clear] as const
          ]
          for (const [method, call] of calls) {
            const error = yield* failsWith(call, "SystemError", `${method} (${reason})`)
            assert.isTrue(error.cause === injected, `${method}: the cause must be the store's error itself`)
            assert.strictEqual(error.reason, expectedReasons[reason], `${method}: reason for ${reason}`)
            assert.strictEqual(error.module, "KeyValueStore")
            assert.strictEqual(error.method, method)
            assert.strictEqual(
              error.pathOrDescriptor,
              method === "size" || method === "isEmpty" || method === "clear" ? undefined : "some/key"
            )
            assert.include(error.message, injected.message)
          }
        }
      }))
  })
}
