/** `KeyValueStore` and `SchemaStore`: byte-valued and schema-valued views of the payload store. */
import { DateTime, Effect, Either, Option, ParseResult, Schema, Stream } from "effect"
import { InvalidInput, StoreError } from "../Errors.js"
import type { KVPair, TypedPair } from "../KVPair.js"
import type { KeyValueStore, SchemaStore } from "../KeyValueStore.js"
import type { Storage, StoredItem } from "../Storage.js"
import { nullsAsZeroValues } from "./nullsAsZeroValues.js"
import { bytesPayload, nativePayload, payloadBytes, payloadCandidates } from "./payload.js"
import type { PayloadInput, PayloadStore } from "./payloadStore.js"
import { makePayloadStore } from "./payloadStore.js"
import { valueBytes } from "./validation.js"
import { traced } from "./traced.js"

const expiresOf = (item: StoredItem) => Option.map(item.expiresAt, (millis) => DateTime.unsafeMake(millis))

const toPair = (partition: string, item: StoredItem): KVPair => ({
  partition,
  key: item.key,
  version: item.version,
  expires: expiresOf(item),
  value: payloadBytes(item.payload)
})

const decodeItem = <A, I>(schema: Schema.Schema<A, I>, partition: string, operation: string) => {
  const decodeAsStored = Schema.decodeUnknownEither(schema)
  const zeroNulls = nullsAsZeroValues(schema)
  // As stored first; then with Go's NULLs (empty strings, nil slices) as the zero values the schema expects.
  const decode = (candidate: unknown) => {
    const decoded = decodeAsStored(candidate)
    if (Either.isRight(decoded)) return decoded
    const zeroed = zeroNulls(candidate)
    return zeroed === candidate ? decoded : Either.orElse(decodeAsStored(zeroed), () => decoded)
  }
  return (item: StoredItem): Effect.Effect<TypedPair<A>, StoreError> => {
    let firstError: ParseResult.ParseError | undefined
    for (const candidate of payloadCandidates(item.payload)) {
      const decoded = decode(candidate)
      if (Either.isRight(decoded)) {
        return Effect.succeed({ partition, key: item.key, version: item.version, expires: expiresOf(item), value: decoded.right })
      }
      firstError ??= decoded.left
    }
    return Effect.fail(
      new StoreError({
        operation,
        reason: "Validation",
        cause: firstError,
        detail: `stored value of ${item.key} does not decode with the schema${firstError === undefined ? "" : `: ${ParseResult.TreeFormatter.formatErrorSync(firstError)}`}`
      })
    )
  }
}

const makeSchemaStore = <A, I>(store: PayloadStore, schema: Schema.Schema<A, I>): SchemaStore<A> => {
  const { partition } = store
  const encode = Schema.encodeEither(schema)
  const input =
    (value: A): PayloadInput =>
    (key) => {
      // Encoding reads the caller's value (its getters, say), which may throw: that is bad input, not a defect.
      const attempt = Either.try(() =>
        Either.match(encode(value), {
          onLeft: (error) =>
            Effect.fail(
              new InvalidInput({
                message: `value does not encode with the schema: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
                key
              })
            ),
          onRight: (encoded) => nativePayload(encoded, key)
        })
      )
      return Either.getOrElse(attempt, (thrown) =>
        Effect.fail(new InvalidInput({ message: `value could not be encoded: ${String(thrown)}`, key }))
      )
    }
  const decoder = (operation: string) => decodeItem(schema, partition, operation)
  return {
    partition,
    get: (key, options) => store.get(key, options).pipe(Effect.flatMap(decoder("get")), traced("SchemaStore.get")),
    exists: (key, options) => store.exists(key, options).pipe(traced("SchemaStore.exists")),
    put: (key, value, options) =>
      store.put(key, input(value), options).pipe(Effect.flatMap(decoder("put")), traced("SchemaStore.put")),
    delete: (key) => store.delete(key).pipe(traced("SchemaStore.delete")),
    list: (prefix, options) =>
      store.list(prefix, options).pipe(Effect.flatMap(Effect.forEach(decoder("list"))), traced("SchemaStore.list")),
    stream: (prefix, options) => store.stream(prefix, options).pipe(Stream.mapEffect(decoder("stream"))),
    atomicPut: (key, value, options) =>
      store.atomicPut(key, input(value), options).pipe(Effect.flatMap(decoder("atomicPut")), traced("SchemaStore.atomicPut")),
    atomicDelete: (key, previous) => store.atomicDelete(key, previous).pipe(traced("SchemaStore.atomicDelete"))
  }
}

/** The `KeyValueStore` service over a storage backend. */
export const makeKeyValueStore = (storage: Storage): KeyValueStore["Type"] => {
  const store = makePayloadStore(storage)
  const { partition } = store
  const pair = (item: StoredItem) => toPair(partition, item)
  const bytes =
    (value: unknown): PayloadInput =>
    (key) =>
      Effect.map(valueBytes(value, key), bytesPayload)
  const stream: KeyValueStore["Type"]["stream"] = (prefix, options) =>
    store.stream(prefix, options).pipe(Stream.map(pair), Stream.withSpan("KeyValueStore.stream", { captureStackTrace: false }))
  return {
    partition,
    get: (key, options) => store.get(key, options).pipe(Effect.map(pair), traced("KeyValueStore.get")),
    exists: (key, options) => store.exists(key, options).pipe(traced("KeyValueStore.exists")),
    put: (key, value, options) => store.put(key, bytes(value), options).pipe(Effect.map(pair), traced("KeyValueStore.put")),
    delete: (key) => store.delete(key).pipe(traced("KeyValueStore.delete")),
    list: (prefix, options) =>
      store.list(prefix, options).pipe(Effect.map((items) => items.map(pair)), traced("KeyValueStore.list")),
    stream,
    atomicPut: (key, value, options) =>
      store.atomicPut(key, bytes(value), options).pipe(Effect.map(pair), traced("KeyValueStore.atomicPut")),
    atomicDelete: (key, previous) => store.atomicDelete(key, previous).pipe(traced("KeyValueStore.atomicDelete")),
    forSchema: (schema) => makeSchemaStore(store, schema)
  }
}
