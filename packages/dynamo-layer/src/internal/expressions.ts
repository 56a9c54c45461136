/**
 * The storage contract's conditions and updates as DynamoDB expressions. Every attribute name is aliased
 * (`name` is a reserved word, and aliasing all of them keeps future attributes safe).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import type { NativeAttributeValue } from "@aws-sdk/util-dynamodb"
import { Option } from "effect"
import { Storage } from "@dynalock/core"
import { attributes, payloadValue, toAttributes } from "./itemCodec.js"

type Attribute = (typeof attributes)[keyof typeof attributes]

/** The placeholders one request uses; DynamoDB rejects declared placeholders that an expression does not use. */
export interface Placeholders {
  readonly name: (attribute: Attribute) => string
  readonly value: (label: string, value: NativeAttributeValue) => string
  /** `ExpressionAttributeNames` and `ExpressionAttributeValues`, each only when not empty. */
  readonly toRequest: () => {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, AttributeValue>
  }
}

/** Fresh placeholders for one request. */
export const placeholders = (): Placeholders => {
  const names: Record<string, string> = {}
  const values: Record<string, NativeAttributeValue> = {}
  return {
    name: (attribute) => {
      const alias = `#${attribute}`
      names[alias] = attribute
      return alias
    },
    value: (label, value) => {
      const placeholder = `:${label}`
      values[placeholder] = value
      return placeholder
    },
    toRequest: () => ({
      ...(Object.keys(names).length === 0 ? {} : { ExpressionAttributeNames: names }),
      ...(Object.keys(values).length === 0 ? {} : { ExpressionAttributeValues: toAttributes(values) })
    })
  }
}

/**
 * "Expired at `now`", as `Storage.isExpired` reads the item: the precise `expiresMs` when present, else
 * Go dynalock's `expires` seconds. `expires <= now / 1000` is `expires * 1000 <= now`; the seconds are sent
 * as an exact decimal (DynamoDB numbers are decimal) so that the two agree for any stored number.
 */
const expired = (p: Placeholders, now: number): string => {
  const expiresMs = p.name(attributes.expiresMs)
  const expires = p.name(attributes.expires)
  return (
    `((attribute_exists(${expiresMs}) AND ${expiresMs} <= ${p.value("now", now)}) OR ` +
    `(attribute_not_exists(${expiresMs}) AND ${expires} <= ${p.value("nowSeconds", now / 1000)}))`
  )
}

/** The `ConditionExpression` meaning exactly `Storage.conditionHolds(condition, item)`; none for `Always`. */
export const conditionExpression = (p: Placeholders, condition: Storage.Condition): Option.Option<string> => {
  const exists = () => `attribute_exists(${p.name(attributes.key)})`
  const absent = () => `attribute_not_exists(${p.name(attributes.key)})`
  const versionIs = (version: number) => `${p.name(attributes.version)} = ${p.value("version", version)}`
  switch (condition._tag) {
    case "Always":
      return Option.none()
    case "NotLive":
      return Option.some(`${absent()} OR ${expired(p, condition.now)}`)
    case "LiveVersion":
      // A comparison with a missing attribute is false, so NOT(expired) holds for an item that never expires.
      return Option.some(`${exists()} AND ${versionIs(condition.version)} AND (NOT ${expired(p, condition.now)})`)
    case "Version":
      return Option.some(Option.match(condition.version, { onNone: absent, onSome: versionIs }))
    case "Owner":
      return Option.some(`${p.name(attributes.owner)} = ${p.value("owner", condition.owner)}`)
  }
}

/** The `UpdateExpression` of an update: what `applyUpdate` of the memory table does, as DynamoDB does it. */
export const updateExpression = (p: Placeholders, request: Storage.UpdateRequest): string => {
  const set: Array<string> = []
  const remove: Array<string> = []
  const one = () => p.value("one", 1)
  const zero = () => p.value("zero", 0)
  const version = p.name(attributes.version)
  set.push(`${version} = if_not_exists(${version}, ${zero()}) + ${one()}`)
  if (request.payload !== undefined) {
    Option.match(payloadValue(request.payload), {
      onNone: () => remove.push(p.name(attributes.payload)),
      onSome: (value) => set.push(`${p.name(attributes.payload)} = ${p.value("payload", value)}`)
    })
  }
  if (request.expiresAt !== undefined) {
    Option.match(request.expiresAt, {
      onNone: () => remove.push(p.name(attributes.expiresMs), p.name(attributes.expires)),
      onSome: (millis) =>
        set.push(
          `${p.name(attributes.expiresMs)} = ${p.value("expiresMs", millis)}`,
          `${p.name(attributes.expires)} = ${p.value("expires", Storage.expiresSeconds(millis))}`
        )
    })
  }
  if (request.owner !== undefined) {
    Option.match(request.owner, {
      onNone: () => remove.push(p.name(attributes.owner)),
      onSome: (owner) => set.push(`${p.name(attributes.owner)} = ${p.value("newOwner", owner)}`)
    })
  }
  if (request.fenceSeed !== undefined) {
    const fence = p.name(attributes.fence)
    set.push(`${fence} = if_not_exists(${fence}, ${p.value("fenceSeed", request.fenceSeed)}) + ${one()}`)
  }
  if (request.takeTicket === true) {
    const ticket = p.name(attributes.ticket)
    set.push(`${ticket} = if_not_exists(${ticket}, ${zero()}) + ${one()}`)
  }
  if (request.served !== undefined) {
    set.push(`${p.name(attributes.served)} = ${p.value("served", request.served)}`)
  }
  return `SET ${set.join(", ")}${remove.length === 0 ? "" : ` REMOVE ${remove.join(", ")}`}`
}

/** The `KeyConditionExpression` of a prefix query; an empty prefix is the whole partition. */
export const keyCondition = (p: Placeholders, partition: string, prefix: string): string => {
  const id = `${p.name(attributes.partition)} = ${p.value("partition", partition)}`
  return prefix.length === 0 ? id : `${id} AND begins_with(${p.name(attributes.key)}, ${p.value("prefix", prefix)})`
}
