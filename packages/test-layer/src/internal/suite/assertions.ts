/** Assertions the suite's groups share. Failed expectations are defects, so the test reports them as such. */
import { assert } from "@effect/vitest"
import type { KVPair, KeyValueStore } from "@dynalock/core"
import { DateTime, Effect, Option } from "effect"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => encoder.encode(text)

/** A string from UTF-8 bytes. */
export const fromUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes)

const describeValue = (value: unknown): string => {
  try {
    return (
      JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 200) ?? String(value)
    )
  } catch {
    return String(value)
  }
}

/** Succeeds with the failure if `self` fails with `tag`; a success, another failure or a defect fails the test. */
export const failsWith = <A, E extends { readonly _tag: string }, R, const T extends E["_tag"]>(
  self: Effect.Effect<A, E, R>,
  tag: T,
  label?: string
): Effect.Effect<Extract<E, { readonly _tag: T }>, never, R> => {
  const what = label === undefined ? "" : `${label}: `
  return Effect.matchEffect(self, {
    onSuccess: (value) => Effect.dieMessage(`${what}expected ${tag}, but it succeeded with ${describeValue(value)}`),
    onFailure: (error) =>
      error._tag === tag
        ? Effect.succeed(error as Extract<E, { readonly _tag: T }>)
        : Effect.dieMessage(`${what}expected ${tag}, but it failed with ${error._tag}: ${describeValue(error)}`)
  })
}

/** Byte-for-byte equality, without chai's slow element-wise diff of large arrays. */
export const assertBytes = (actual: Uint8Array, expected: Uint8Array, message = "bytes differ"): void => {
  assert.instanceOf(actual, Uint8Array, message)
  assert.strictEqual(actual.length, expected.length, `${message}: length`)
  const same = Buffer.compare(
    Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength),
    Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)
  )
  assert.strictEqual(same, 0, message)
}

/** The expiry of a pair in epoch milliseconds, or undefined when it never expires. */
export const expiryMillis = (pair: Pick<KVPair, "expires">): number | undefined =>
  Option.getOrUndefined(Option.map(pair.expires, DateTime.toEpochMillis))

/** The keys of some pairs, in order. */
export const keysOf = (pairs: ReadonlyArray<Pick<KVPair, "key">>): ReadonlyArray<string> =>
  pairs.map((pair) => pair.key)

/** Asserts a pair's identity, version and value. */
export const assertPair = (
  pair: KVPair,
  expected: {
    readonly partition: string
    readonly key: string
    readonly version: number
    readonly value: Uint8Array | string
  }
): void => {
  assert.strictEqual(pair.partition, expected.partition, "partition")
  assert.strictEqual(pair.key, expected.key, "key")
  assert.strictEqual(pair.version, expected.version, `version of ${expected.key}`)
  assertBytes(
    pair.value,
    typeof expected.value === "string" ? utf8(expected.value) : expected.value,
    `value of ${expected.key}`
  )
}

/** Asserts that the partition holds no visible item: nothing was written. */
export const assertNothingWritten = (store: KeyValueStore["Type"]) =>
  Effect.map(store.list(""), (pairs) => assert.deepStrictEqual(keysOf(pairs), [], "nothing may have been written"))

/** Deterministic pseudo-random bytes, so large values are not trivially compressible or uniform. */
export const patternBytes = (length: number, seed = 1): Uint8Array => {
  const bytes = new Uint8Array(length)
  let state = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    bytes[i] = state & 0xff
  }
  return bytes
}
