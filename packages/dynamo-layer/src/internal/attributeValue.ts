/**
 * DynamoDB attribute values to and from the values the storage contract carries: the part of
 * `@aws-sdk/util-dynamodb`'s marshall/unmarshall dynalock needs, written here so that the package depends on
 * `@aws-sdk/client-dynamodb` alone (each util-dynamodb release requires a client at least as new as itself, which
 * would make an app on an older client install a second copy of the SDK).
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import type { Storage } from "@dynalock/core"

/** A value for a request: the storage contract's values; `undefined` inside maps and lists is left out. */
export type NativeAttributeValue =
  | Storage.NativeValue
  | undefined
  | ReadonlyArray<NativeAttributeValue>
  | { readonly [key: string]: NativeAttributeValue }

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// An own property even for the name "__proto__", which plain assignment would take as the prototype.
const setField = <A>(target: Record<string, A>, name: string, value: A): void => {
  if (name === "__proto__")
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
  else target[name] = value
}

const describeValue = (value: unknown): string =>
  typeof value === "object" && value !== null ? Object.prototype.toString.call(value) : typeof value

// One element of a map or list; none for `undefined`.
const element = (value: unknown): AttributeValue | undefined => {
  if (value === undefined) return undefined
  if (value === null) return { NULL: true }
  switch (typeof value) {
    case "string":
      return { S: value }
    case "boolean":
      return { BOOL: value }
    case "number":
      if (!Number.isFinite(value)) throw new Error(`Special numeric value ${value} is not allowed`)
      // Beyond 2^53 this is the decimal JavaScript prints for the number (core accepts any finite number).
      return { N: String(value) }
    case "object": {
      if (value instanceof Uint8Array) return { B: value }
      if (Array.isArray(value)) return { L: value.flatMap((inner) => element(inner) ?? []) }
      if (isPlainObject(value)) {
        const map: Record<string, AttributeValue> = {}
        for (const [name, inner] of Object.entries(value as Record<string, unknown>)) {
          const attribute = element(inner)
          if (attribute !== undefined) setField(map, name, attribute)
        }
        return { M: map }
      }
    }
  }
  throw new Error(`Unsupported type passed: ${describeValue(value)}`)
}

/**
 * One attribute value for a request; lists and maps are walked. Throws for what DynamoDB cannot store
 * (`undefined`, NaN, class instances): the storage reports it as a StoreError.
 */
export const toAttribute = (value: NativeAttributeValue): AttributeValue => {
  const attribute = element(value)
  if (attribute === undefined) throw new Error("undefined is not an attribute value")
  return attribute
}

/**
 * An attribute value read back as a plain value. Numbers of any size become JavaScript numbers (the storage
 * contract's); sets (SS, NS, BS), which the contract's JSON-like values do not have, read as lists. Throws for an
 * attribute type it does not know.
 */
export const fromAttribute = (value: AttributeValue): Storage.NativeValue => {
  if (value.S !== undefined) return value.S
  if (value.N !== undefined) return Number(value.N)
  if (value.B !== undefined) return value.B
  if (value.BOOL !== undefined) return value.BOOL
  if (value.NULL !== undefined) return null
  if (value.M !== undefined) {
    const map: Record<string, Storage.NativeValue> = {}
    for (const [name, inner] of Object.entries(value.M)) setField(map, name, fromAttribute(inner))
    return map
  }
  if (value.L !== undefined) return value.L.map(fromAttribute)
  if (value.SS !== undefined) return [...value.SS]
  if (value.NS !== undefined) return value.NS.map(Number)
  if (value.BS !== undefined) return [...value.BS]
  throw new Error(`Unsupported attribute value: ${Object.keys(value).join(", ")}`)
}
