/** Conversions between stored payloads and the values callers see. */
import { Effect, Either, Encoding } from "effect"
import { InvalidInput } from "../Errors.js"
import type { NativeValue, Payload } from "../Storage.js"
import { limits } from "./validation.js"

const utf8Decoder = new TextDecoder("utf-8", { fatal: false })
const utf8Encoder = new TextEncoder()

export const emptyPayload: Payload = { _tag: "Empty" }

/** Bytes as a `B` payload; no bytes as no payload attribute at all. */
export const bytesPayload = (bytes: Uint8Array): Payload =>
  bytes.length === 0 ? emptyPayload : { _tag: "Bytes", bytes }

/** Base64 text as Go dynalock's `WriteWithBytes` writes it (standard alphabet, padded). Canonical only, so
 *  that ordinary words are not mistaken for base64. */
const decodeCanonicalBase64 = (text: string): Either.Either<Uint8Array, void> => {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return Either.left(undefined)
  const decoded = Encoding.decodeBase64(text)
  return Either.isRight(decoded) && Encoding.encodeBase64(decoded.right) === text ? decoded : Either.left(undefined)
}

// Uint8Array leaves become base64 strings so that a native payload can be read as JSON bytes.
const jsonReplacer = (_key: string, value: unknown): unknown =>
  value instanceof Uint8Array ? Encoding.encodeBase64(value) : value

/** The bytes a plain `get` returns for any payload. */
export const payloadBytes = (payload: Payload): Uint8Array => {
  switch (payload._tag) {
    case "Empty":
      return new Uint8Array(0)
    case "Bytes":
      return payload.bytes
    case "Text":
      return Either.getOrElse(decodeCanonicalBase64(payload.text), () => utf8Encoder.encode(payload.text))
    case "Native":
      return utf8Encoder.encode(JSON.stringify(payload.value, jsonReplacer))
  }
}

const parseJson = (bytes: Uint8Array): Either.Either<unknown, void> =>
  Either.try({ try: () => JSON.parse(utf8Decoder.decode(bytes)) as unknown, catch: () => undefined })

/** What a stored payload may mean to a schema, most likely first: the native value, then the readings
 *  of bytes or base64 text as JSON. */
export const payloadCandidates = (payload: Payload): ReadonlyArray<unknown> => {
  switch (payload._tag) {
    case "Empty":
      return [new Uint8Array(0), ""]
    case "Bytes":
      return [payload.bytes, ...Either.match(parseJson(payload.bytes), { onLeft: () => [], onRight: (v) => [v] })]
    case "Text": {
      const fromBase64 = Either.flatMap(decodeCanonicalBase64(payload.text), parseJson)
      return [payload.text, ...Either.match(fromBase64, { onLeft: () => [], onRight: (v) => [v] })]
    }
    case "Native":
      return [payload.value]
  }
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// DynamoDB's number range: magnitudes from 1e-130 to below 1e126, and zero.
const numberInRange = (n: number): boolean => n === 0 || (Math.abs(n) >= 1e-130 && Math.abs(n) < 1e126)

/** Why a schema's encoded value cannot be stored natively, if it cannot. */
const nativeProblem = (value: unknown, depth: number, path: string): string | undefined => {
  if (depth > limits.maxNestingDepth) return `${path} is nested deeper than ${limits.maxNestingDepth} levels`
  if (value === null || typeof value === "boolean") return undefined
  if (typeof value === "string") return /\p{Cs}/u.test(value) ? `${path} is not well-formed Unicode` : undefined
  if (typeof value === "number") {
    return Number.isFinite(value) && numberInRange(value)
      ? undefined
      : `${path} is a number DynamoDB cannot store (${value})`
  }
  if (value instanceof Uint8Array) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = nativeProblem(value[i], depth + 1, `${path}[${i}]`)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  if (typeof value === "object" && isPlainObject(value)) {
    for (const [name, element] of Object.entries(value)) {
      if (element === undefined) continue
      if (/\p{Cs}/u.test(name)) return `${path} has a field name that is not well-formed Unicode`
      const problem = nativeProblem(element, depth + 1, `${path}.${name}`)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  return `${path} is not JSON-compatible (${typeof value})`
}

// Undefined object fields are dropped, as JSON.stringify would.
const withoutUndefined = (value: unknown): NativeValue => {
  if (Array.isArray(value)) return value.map(withoutUndefined)
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, NativeValue> = {}
    for (const [name, element] of Object.entries(value))
      if (element !== undefined) out[name] = withoutUndefined(element)
    return out
  }
  return value as NativeValue
}

/** A schema's encoded value as a payload: strings as `S`, bytes as `B`, everything else natively. */
export const nativePayload = (encoded: unknown, key: string): Effect.Effect<Payload, InvalidInput> => {
  const problem = nativeProblem(encoded, 0, "value")
  if (problem !== undefined) return Effect.fail(new InvalidInput({ message: problem, key }))
  if (typeof encoded === "string")
    return Effect.succeed(encoded.length === 0 ? emptyPayload : { _tag: "Text", text: encoded })
  if (encoded instanceof Uint8Array) return Effect.succeed(bytesPayload(encoded))
  return Effect.succeed({ _tag: "Native", value: withoutUndefined(encoded) })
}
