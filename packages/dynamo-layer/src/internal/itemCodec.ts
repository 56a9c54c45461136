/**
 * Items as stored in DynamoDB (Go dynalock's format plus the lock's attributes) and the storage contract's
 * `StoredItem`. Marshalling is ./attributeValue.ts; the shape of what comes back is checked by a Schema.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { StoreError, Storage } from "@dynalock/core"
import { marshall, unmarshall } from "./attributeValue.js"
import type { NativeAttributeValue } from "./attributeValue.js"

/** Attribute names. `id`, `name`, `version`, `expires` and `payload` are Go dynalock's. */
export const attributes = {
  partition: "id",
  key: "name",
  version: "version",
  /** Epoch seconds, rounded up: the TTL attribute, and Go dynalock's expiry. */
  expires: "expires",
  /** Epoch milliseconds: the precise expiry leases need. */
  expiresMs: "expiresMs",
  payload: "payload",
  /** The version our last versioned write left: when it differs from `version`, someone else (Go) wrote since. */
  stamp: "stamp",
  owner: "owner",
  fence: "fence",
  line: "line",
  since: "since",
  hold: "hold",
  /** A semaphore's number of permits. */
  limit: "limit",
  /** A semaphore's holders. */
  holders: "holders"
} as const

const counter = Schema.optionalWith(Schema.Number, { default: () => 0 })

/** What an item must look like after unmarshalling. Go dynalock writes no lock attributes: they count as 0. */
const ItemRecord = Schema.Struct({
  [attributes.key]: Schema.String,
  [attributes.version]: counter,
  [attributes.expires]: Schema.optional(Schema.Number),
  [attributes.expiresMs]: Schema.optional(Schema.Number),
  [attributes.payload]: Schema.optional(Schema.Unknown),
  [attributes.stamp]: Schema.optional(Schema.Number),
  [attributes.owner]: Schema.optional(Schema.String),
  [attributes.fence]: counter,
  [attributes.line]: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  [attributes.since]: counter,
  [attributes.hold]: counter,
  [attributes.limit]: Schema.optional(Schema.Number),
  [attributes.holders]: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})

const decodeRecord = Schema.decodeUnknownEither(ItemRecord)

// The payload is what `unmarshall` made of the attribute (the record's schema only checks it is there).
const toPayload = (value: Storage.NativeValue | undefined): Storage.Payload => {
  if (value === undefined) return { _tag: "Empty" }
  if (typeof value === "string") return { _tag: "Text", text: value }
  if (value instanceof Uint8Array) return { _tag: "Bytes", bytes: value }
  return { _tag: "Native", value }
}

/** An item read from DynamoDB, whatever wrote it. */
export const decodeItem = (
  operation: string,
  item: Record<string, AttributeValue>
): Effect.Effect<Storage.StoredItem, StoreError> =>
  Either.match(
    Either.flatMap(
      Either.try({ try: () => unmarshall(item), catch: (error) => error }),
      (native) => decodeRecord(native)
    ),
    {
      onLeft: (error) =>
        Effect.fail(
          new StoreError({
            operation,
            reason: "Validation",
            cause: error,
            detail: `an item of the table is not in dynalock's format: ${
              ParseResult.isParseError(error) ? ParseResult.TreeFormatter.formatErrorSync(error) : String(error)
            }`
          })
        ),
      onRight: (record) => {
        // Go dynalock rewrites `version` and `expires` but leaves our attributes: after such a write only those two
        // are true, and `expiresMs` is a leftover (see the `ExpiredAt` expression, which reads items the same way).
        const foreign = record.stamp === undefined || record.stamp !== record.version
        const expiresAt = foreign ? (record.expires === undefined ? undefined : record.expires * 1000) : record.expiresMs
        return Effect.succeed({
          key: record.name,
          version: record.version,
          expiresAt: Option.fromNullable(expiresAt),
          foreign,
          payload: toPayload(record.payload as Storage.NativeValue | undefined),
          lock: {
            owner: Option.fromNullable(record.owner),
            fence: record.fence,
            line: record.line,
            since: record.since,
            hold: record.hold,
            limit: Option.fromNullable(record.limit),
            holders: record.holders
          }
        })
      }
    }
  )

/** An item that may be absent (GetItem's `Item`, DeleteItem's `Attributes`). */
export const decodeOptional = (
  operation: string,
  item: Record<string, AttributeValue> | undefined
): Effect.Effect<Option.Option<Storage.StoredItem>, StoreError> =>
  item === undefined || Object.keys(item).length === 0 ? Effect.succeedNone : Effect.asSome(decodeItem(operation, item))

/** The value written to the `payload` attribute; none for `Empty`, which removes it. */
export const payloadValue = (payload: Storage.Payload): Option.Option<NativeAttributeValue> => {
  switch (payload._tag) {
    case "Empty":
      return Option.none()
    case "Bytes":
      return Option.some(payload.bytes)
    case "Text":
      return Option.some(payload.text)
    case "Native":
      return Option.some(payload.value)
  }
}

/** Attribute values for a request (`ExpressionAttributeValues`, raw items in tests). */
export const toAttributes = (values: Record<string, NativeAttributeValue>): Record<string, AttributeValue> =>
  marshall(values)

/** The primary key of an item. */
export const itemKey = (partition: string, key: string): Record<string, AttributeValue> =>
  toAttributes({ [attributes.partition]: partition, [attributes.key]: key })
