/**
 * Items as stored in DynamoDB (Go dynalock's format plus the lock's attributes) and the storage contract's
 * `StoredItem`. Items read back are checked attribute by attribute; other values go through ./attributeValue.ts.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { Effect, Option } from "effect"
import { StoreError } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { fromAttribute } from "./attributeValue.js"
import type { NativeAttributeValue } from "./attributeValue.js"

export { toAttribute } from "./attributeValue.js"

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

/** Why an attribute is not what dynalock's format says. */
class Malformed {
  constructor(readonly detail: string) {}
}

const numberOf = (name: string, value: AttributeValue | undefined): number | undefined => {
  if (value === undefined) return undefined
  // Numbers of any size become JavaScript numbers (the storage contract's), instead of failing the whole item.
  if (value.N !== undefined) return Number(value.N)
  throw new Malformed(`"${name}" is not a number`)
}

const stringOf = (name: string, value: AttributeValue | undefined): string | undefined => {
  if (value === undefined) return undefined
  if (value.S !== undefined) return value.S
  throw new Malformed(`"${name}" is not a string`)
}

const stringsOf = (name: string, value: AttributeValue | undefined): ReadonlyArray<string> => {
  if (value === undefined) return []
  if (value.L !== undefined) {
    return value.L.map((element) => {
      if (element.S === undefined) throw new Malformed(`"${name}" is not a list of strings`)
      return element.S
    })
  }
  throw new Malformed(`"${name}" is not a list`)
}

const toPayload = (value: AttributeValue | undefined): Storage.Payload => {
  if (value === undefined) return { _tag: "Empty" }
  if (value.S !== undefined) return { _tag: "Text", text: value.S }
  if (value.B !== undefined) return { _tag: "Bytes", bytes: value.B }
  return { _tag: "Native", value: fromAttribute(value) }
}

/** The item, read attribute by attribute (a Schema over the unmarshalled item cost more than the request's own work). */
const read = (item: Record<string, AttributeValue>): Storage.StoredItem => {
  const key = stringOf(attributes.key, item[attributes.key])
  if (key === undefined) throw new Malformed(`"${attributes.key}" is missing`)
  const version = numberOf(attributes.version, item[attributes.version]) ?? 0
  const stamp = numberOf(attributes.stamp, item[attributes.stamp])
  const expires = numberOf(attributes.expires, item[attributes.expires])
  const expiresMs = numberOf(attributes.expiresMs, item[attributes.expiresMs])
  // Go dynalock rewrites `version` and `expires` but leaves our attributes: after such a write only those two are
  // true, and `expiresMs` is a leftover (see the `ExpiredAt` expression, which reads items the same way).
  const foreign = stamp === undefined || stamp !== version
  const expiresAt = foreign ? (expires === undefined ? undefined : expires * 1000) : expiresMs
  return {
    key,
    version,
    expiresAt: Option.fromNullable(expiresAt),
    foreign,
    payload: toPayload(item[attributes.payload]),
    lock: {
      owner: Option.fromNullable(stringOf(attributes.owner, item[attributes.owner])),
      fence: numberOf(attributes.fence, item[attributes.fence]) ?? 0,
      line: stringsOf(attributes.line, item[attributes.line]),
      since: numberOf(attributes.since, item[attributes.since]) ?? 0,
      hold: numberOf(attributes.hold, item[attributes.hold]) ?? 0,
      limit: Option.fromNullable(numberOf(attributes.limit, item[attributes.limit])),
      holders: stringsOf(attributes.holders, item[attributes.holders])
    }
  }
}

/** An item read from DynamoDB, whatever wrote it. */
export const decodeItem = (
  operation: string,
  item: Record<string, AttributeValue>
): Effect.Effect<Storage.StoredItem, StoreError> => {
  try {
    return Effect.succeed(read(item))
  } catch (error) {
    return Effect.fail(
      new StoreError({
        operation,
        reason: "Validation",
        cause: error,
        detail: `an item of the table is not in dynalock's format: ${error instanceof Malformed ? error.detail : String(error)}`
      })
    )
  }
}

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

/** The primary key of an item. */
export const itemKey = (partition: string, key: string): Record<string, AttributeValue> => ({
  [attributes.partition]: { S: partition },
  [attributes.key]: { S: key }
})
