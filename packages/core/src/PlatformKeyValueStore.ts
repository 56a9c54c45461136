/**
 * `@effect/platform`'s `KeyValueStore` over a dynalock `KeyValueStore`, so that anything built on the platform's
 * store (for example `@effect/experimental`'s `Persistence.layerKeyValueStore`) keeps its data in DynamoDB.
 *
 * It is a subpath of its own (`@dynalock/core/PlatformKeyValueStore`) so that `@effect/platform`, an optional peer
 * dependency, is needed only by programs that import it.
 *
 * @example
 * ```ts
 * import { KeyValueStore } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 * import * as PlatformKeyValueStore from "@dynalock/core/PlatformKeyValueStore"
 * import { DynamoStore } from "@dynalock/dynamo-layer"
 *
 * const program = Effect.gen(function* () {
 *   const kv = yield* KeyValueStore.KeyValueStore
 *   yield* kv.set("greeting", "hello")
 *   return yield* kv.get("greeting") // Option.some("hello")
 * })
 *
 * const PlatformOnDynamo = PlatformKeyValueStore.layer.pipe(
 *   Layer.provide(DynamoStore.layer({ tableName: "dynalock", partition: "cache" }))
 * )
 *
 * program.pipe(Effect.provide(PlatformOnDynamo), Effect.runPromise)
 * ```
 *
 * @since 0.2.0
 */
import type { PlatformError } from "@effect/platform/Error"
import * as Platform from "@effect/platform/KeyValueStore"
import { Effect, Encoding, Layer, Option, Schema, Stream } from "effect"
import type { InvalidInput, StoreError } from "./Errors.js"
import { toPlatformError } from "./internal/platformError.js"
import { KeyValueStore } from "./KeyValueStore.js"
import type { TypedPair } from "./KVPair.js"
import { operationSpanEffect as traced } from "./internal/tracing.js"

const utf8 = new TextEncoder()

// Items written by `forSchema` of another schema hold native DynamoDB values; they read as their JSON text, as the
// byte-valued `get` of the store gives them, with bytes inside as base64.
const base64Bytes = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? Encoding.encodeBase64(value) : value

/** A stored value as the platform's `get` answers: a string as written, bytes as base64 (as `layerMemory` does). */
const asString = (value: unknown): string =>
  typeof value === "string"
    ? value
    : value instanceof Uint8Array
      ? Encoding.encodeBase64(value)
      : JSON.stringify(value, base64Bytes)

/** A stored value as the platform's `getUint8Array` answers: bytes as written, a string as its UTF-8 bytes. */
const asBytes = (value: unknown): Uint8Array => (value instanceof Uint8Array ? value : utf8.encode(asString(value)))

/**
 * The platform's `KeyValueStore` on the partition of `store`.
 *
 * Values keep their kind: `forSchema` of any schema stores a string as a DynamoDB string (`S`) and a `Uint8Array`
 * as binary (`B`), so that `get` and `getUint8Array` answer as `KeyValueStore.layerMemory` does: a string comes
 * back exactly as set, a `Uint8Array` byte for byte; `get` of bytes is their base64, `getUint8Array` of a string its
 * UTF-8 bytes. Items written by the store's own `put` are bytes; an `S` item that another writer stored as base64
 * (Go dynalock's `WriteWithBytes`) reads as that text.
 *
 * The store's rules still hold, where `layerMemory` has none:
 * - Keys must be 1 to 1024 UTF-8 bytes of well-formed Unicode, string values well-formed, and a value must fit in
 *   one DynamoDB item (about 400 KB). Any other key or value fails with `BadArgument` before any request, with the
 *   store's `InvalidInput` as its `cause`; nothing is written.
 * - A failing backend is a `SystemError` with the store's `StoreError` as its `cause`. Its reason says how:
 *   Throttled is `Busy`, Timeout `TimedOut`, TableNotFound `NotFound`, AccessDenied `PermissionDenied`,
 *   Configuration `BadResource`, Validation `InvalidData`, the others `Unknown`. `pathOrDescriptor` is the key.
 * - Items the store sees as expired (written elsewhere with a `ttl`) are absent here too.
 *
 * `modify` and `modifyUint8Array` are compare-and-set (`atomicPut` on the version read): a concurrent write is never
 * lost, and `f` runs again on the newer value, so it may run more than once. `size`, `isEmpty` and `clear` read the
 * whole partition (`clear` then deletes each item): give the adapter a partition of its own, and never the lock
 * partition. `KeyValueStore.prefix` works as the platform defines it (it prefixes `get`, `set`, `remove`, `has` and
 * `modify` only).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (store: KeyValueStore["Type"]): Platform.KeyValueStore => {
  // Schema.Unknown: values are written and read as they are, each kind as its own DynamoDB type.
  const values = store.forSchema(Schema.Unknown)

  const platform =
    <A>(method: string, key?: string) =>
    (effect: Effect.Effect<A, InvalidInput | StoreError>): Effect.Effect<A, PlatformError> =>
      effect.pipe(
        Effect.mapError(toPlatformError(method, key)),
        traced(`PlatformKeyValueStore.${method}`, { key, partition: store.partition })
      )

  const read = (key: string): Effect.Effect<Option.Option<TypedPair<unknown>>, InvalidInput | StoreError> =>
    values.get(key).pipe(
      Effect.map(Option.some),
      Effect.catchTag("KeyNotFound", () => Effect.succeedNone)
    )

  const modifyAs =
    <A extends string | Uint8Array>(method: string, view: (value: unknown) => A) =>
    (key: string, f: (value: A) => A): Effect.Effect<Option.Option<A>, PlatformError> => {
      const attempt: Effect.Effect<Option.Option<A>, InvalidInput | StoreError> = Effect.flatMap(
        read(key),
        Option.match({
          onNone: () => Effect.succeedNone,
          onSome: (pair) => {
            const next = f(view(pair.value))
            return values.atomicPut(key, next, { previous: pair }).pipe(
              Effect.as(Option.some(next)),
              // Someone wrote (or removed) it since the read: read again. Each retry follows another writer's success.
              Effect.catchTags({ KeyModified: () => attempt, KeyExists: () => attempt })
            )
          }
        })
      )
      return platform<Option.Option<A>>(method, key)(attempt)
    }

  const live = store.stream("")

  return Platform.make({
    get: (key) =>
      platform<Option.Option<string>>(
        "get",
        key
      )(
        Effect.map(
          read(key),
          Option.map((pair) => asString(pair.value))
        )
      ),
    getUint8Array: (key) =>
      platform<Option.Option<Uint8Array>>(
        "getUint8Array",
        key
      )(
        Effect.map(
          read(key),
          Option.map((pair) => asBytes(pair.value))
        )
      ),
    set: (key, value) => platform<void>("set", key)(Effect.asVoid(values.put(key, value))),
    remove: (key) => platform<void>("remove", key)(store.delete(key)),
    has: (key) => platform<boolean>("has", key)(store.exists(key)),
    size: platform<number>("size")(Stream.runCount(live)),
    isEmpty: platform<boolean>("isEmpty")(Effect.map(Stream.runHead(live), Option.isNone)),
    // Deleted as the pages arrive (the query goes on after the last key it returned, deleted or not), a few at a
    // time: one request per item.
    clear: platform<void>("clear")(
      live.pipe(
        Stream.mapEffect((pair) => store.delete(pair.key), { concurrency: 16, unordered: true }),
        Stream.runDrain
      )
    ),
    modify: modifyAs("modify", asString),
    modifyUint8Array: modifyAs("modifyUint8Array", asBytes)
  })
}

/**
 * The platform's `KeyValueStore` service on the partition of the dynalock `KeyValueStore` in context
 * (see {@link make}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Platform.KeyValueStore, never, KeyValueStore> = Layer.effect(
  Platform.KeyValueStore,
  Effect.map(KeyValueStore, make)
)
