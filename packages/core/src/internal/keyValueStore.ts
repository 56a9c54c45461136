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
import { operationSpanEffect as traced, spanStream } from "./tracing.js"

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
        return Effect.succeed({
          partition,
          key: item.key,
          version: item.version,
          expires: expiresOf(item),
          value: decoded.right
        })
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
  const at = spanOf(store)
  return {
    partition,
    get: (key, options) => store.get(key, options).pipe(Effect.flatMap(decoder("get")), at("SchemaStore.get", key)),
    exists: (key, options) => store.exists(key, options).pipe(at("SchemaStore.exists", key)),
    put: (key, value, options) =>
      store.put(key, input(value), options).pipe(Effect.flatMap(decoder("put")), at("SchemaStore.put", key)),
    delete: (key) => store.delete(key).pipe(at("SchemaStore.delete", key)),
    list: (prefix, options) =>
      store
        .list(prefix, options)
        .pipe(Effect.flatMap(Effect.forEach(decoder("list"))), at("SchemaStore.list", undefined, prefix)),
    stream: (prefix, options) =>
      store
        .stream(prefix, options)
        .pipe(
          Stream.mapEffect(decoder("stream")),
          spanStream("SchemaStore.stream", { prefix, partition, table: store.table })
        ),
    atomicPut: (key, value, options) =>
      store
        .atomicPut(key, input(value), options)
        .pipe(Effect.flatMap(decoder("atomicPut")), at("SchemaStore.atomicPut", key)),
    atomicDelete: (key, previous) => store.atomicDelete(key, previous).pipe(at("SchemaStore.atomicDelete", key))
  }
}

/** A span of one operation on `store`, with the key (or prefix), partition and table as attributes. */
const spanOf = (store: PayloadStore) => (name: string, key: string | undefined, prefix?: string) =>
  traced(name, { key, prefix, partition: store.partition, table: store.table })

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
    store
      .stream(prefix, options)
      .pipe(Stream.map(pair), spanStream("KeyValueStore.stream", { prefix, partition, table: storage.table }))
  const at = spanOf(store)
  return {
    partition,
    get: (key, options) => store.get(key, options).pipe(Effect.map(pair), at("KeyValueStore.get", key)),
    exists: (key, options) => store.exists(key, options).pipe(at("KeyValueStore.exists", key)),
    put: (key, value, options) =>
      store.put(key, bytes(value), options).pipe(Effect.map(pair), at("KeyValueStore.put", key)),
    delete: (key) => store.delete(key).pipe(at("KeyValueStore.delete", key)),
    list: (prefix, options) =>
      store.list(prefix, options).pipe(
        Effect.map((items) => items.map(pair)),
        at("KeyValueStore.list", undefined, prefix)
      ),
    stream,
    atomicPut: (key, value, options) =>
      store.atomicPut(key, bytes(value), options).pipe(Effect.map(pair), at("KeyValueStore.atomicPut", key)),
    atomicDelete: (key, previous) => store.atomicDelete(key, previous).pipe(at("KeyValueStore.atomicDelete", key)),
    forSchema: (schema) => makeSchemaStore(store, schema)
  }
}
