/** DynamoDB's item-size accounting (UTF-8 bytes), used to reject oversized values before any request. */
import type { NativeValue, Payload } from "./payloadModel.js"
import { utf8Length } from "./validation.js"

// DynamoDB stores numbers in at most 21 bytes; counting the maximum keeps the estimate an upper bound.
const numberBytes = 21

/** Size of one attribute value as DynamoDB counts it (an upper bound for numbers). */
const nativeSize = (value: NativeValue): number => {
  if (value === null || typeof value === "boolean") return 1
  if (typeof value === "number") return numberBytes
  if (typeof value === "string") return utf8Length(value)
  if (value instanceof Uint8Array) return value.length
  if (Array.isArray(value)) {
    let size = 3
    for (const element of value as ReadonlyArray<NativeValue>) size += nativeSize(element) + 1
    return size
  }
  let size = 3
  for (const [name, element] of Object.entries(value as { readonly [key: string]: NativeValue })) {
    size += utf8Length(name) + nativeSize(element) + 1
  }
  return size
}

/** Size of the `payload` attribute's value. */
export const payloadSize = (payload: Payload): number => {
  switch (payload._tag) {
    case "Empty":
      return 0
    case "Bytes":
      return payload.bytes.length
    case "Text":
      return utf8Length(payload.text)
    case "Native":
      return nativeSize(payload.value)
  }
}
