/** Input checks done before any request, so bad input fails with `InvalidInput` and writes nothing. */
import { Duration, Effect, Option } from "effect"
import { InvalidInput } from "../Errors.js"

const utf8 = new TextEncoder()

/** DynamoDB's limits (bytes, UTF-8). */
export const limits = {
  maxKeyBytes: 1024,
  maxPartitionBytes: 2048,
  maxItemBytes: 400 * 1024,
  /** Upper bound of everything in an item but the key, partition, payload and line (names and values of
   *  version, stamp, expires, expiresMs, owner, fence, since, hold): numbers count 21 bytes at most. */
  itemOverheadBytes: 256,
  /** Room kept free in a lock record for its line of waiters: a lock's value may not use it. */
  lineReserveBytes: 64 * 1024,
  maxNestingDepth: 32
} as const

// In a `u` regex a surrogate class matches only unpaired surrogates, which UTF-8 cannot carry.
const loneSurrogate = /\p{Cs}/u

/** The UTF-8 length of well-formed text, counted without encoding it (it is on every operation's path). */
export const utf8Length = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair: one code point of four bytes.
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** Why `text` cannot be stored as a string: not a string, or not well-formed; undefined when it can. */
const textProblem = (what: string, text: unknown, key?: string): InvalidInput | undefined => {
  const at = key === undefined ? {} : { key }
  if (typeof text !== "string") return new InvalidInput({ message: `${what} must be a string`, ...at })
  if (loneSurrogate.test(text)) {
    return new InvalidInput({ message: `${what} is not well-formed Unicode (unpaired surrogate)`, ...at })
  }
  return undefined
}

const checkText = (what: string, text: unknown, key?: string): Effect.Effect<string, InvalidInput> => {
  const problem = textProblem(what, text, key)
  return problem === undefined ? Effect.succeed(text as string) : Effect.fail(problem)
}

/** What is wrong with `key` (not text, empty, too long), or `undefined`: checked in one synchronous step. */
export const keyProblem = (key: unknown): InvalidInput | undefined => {
  const problem = textProblem("key", key)
  if (problem !== undefined) return problem
  const text = key as string
  if (text.length === 0) return new InvalidInput({ message: "key must not be empty", key: text })
  const bytes = utf8Length(text)
  return bytes > limits.maxKeyBytes
    ? new InvalidInput({
        message: `key is ${bytes} UTF-8 bytes, at most ${limits.maxKeyBytes} allowed`,
        key: text.slice(0, 64)
      })
    : undefined
}

/** A key: non-empty, well-formed, at most 1024 UTF-8 bytes. */
export const validateKey = (key: unknown): Effect.Effect<string, InvalidInput> => {
  // Checked synchronously: one fiber step on every operation's path instead of a chain of them.
  const problem = keyProblem(key)
  return problem === undefined ? Effect.succeed(key as string) : Effect.fail(problem)
}

/** A list prefix: may be empty (the whole partition), else like a key. */
export const validatePrefix = (prefix: unknown): Effect.Effect<string, InvalidInput> =>
  Effect.flatMap(checkText("prefix", prefix), (text) => {
    const bytes = utf8Length(text)
    return bytes > limits.maxKeyBytes
      ? Effect.fail(
          new InvalidInput({ message: `prefix is ${bytes} UTF-8 bytes, at most ${limits.maxKeyBytes} allowed` })
        )
      : Effect.succeed(text)
  })

/** The reason a partition or table name is unusable, if it is. Checked once, reported by every operation. */
export const partitionProblem = (partition: unknown, table: unknown): Option.Option<InvalidInput> => {
  if (typeof table !== "string" || table.length === 0) {
    return Option.some(new InvalidInput({ message: "table name must be a non-empty string" }))
  }
  if (typeof partition !== "string" || partition.length === 0) {
    return Option.some(new InvalidInput({ message: "partition must be a non-empty string" }))
  }
  if (loneSurrogate.test(partition)) {
    return Option.some(new InvalidInput({ message: "partition is not well-formed Unicode (unpaired surrogate)" }))
  }
  const bytes = utf8Length(partition)
  return bytes > limits.maxPartitionBytes
    ? Option.some(
        new InvalidInput({ message: `partition is ${bytes} UTF-8 bytes, at most ${limits.maxPartitionBytes} allowed` })
      )
    : Option.none()
}

/** A value as bytes: a `Uint8Array` as is, a well-formed string as UTF-8. */
export const valueBytes = (value: unknown, key: string): Effect.Effect<Uint8Array, InvalidInput> => {
  if (value instanceof Uint8Array) return Effect.succeed(value)
  if (typeof value === "string") return Effect.map(checkText("value", value, key), (text) => utf8.encode(text))
  return Effect.fail(new InvalidInput({ message: "value must be a Uint8Array or a string", key }))
}

/** The largest payload (in DynamoDB's size units) that fits one item with this partition and key. */
export const maxPayloadBytes = (partition: string, key: string): number =>
  limits.maxItemBytes - limits.itemOverheadBytes - utf8Length(partition) - utf8Length(key)

const isNegativeOrNaN = (input: unknown): boolean => {
  if (typeof input === "number") return Number.isNaN(input) || input < 0
  if (typeof input === "bigint") return input < 0n
  if (typeof input === "string") return input.trimStart().startsWith("-")
  if (Array.isArray(input)) return input.some((part) => typeof part === "number" && (Number.isNaN(part) || part < 0))
  return false
}

/** A positive (or, with `allowZero`, non-negative) finite duration in whole milliseconds, rounded up. */
export const validateDuration = (
  what: string,
  input: unknown,
  key?: string,
  allowZero = false
): Effect.Effect<number, InvalidInput> => {
  const decoded = Duration.decodeUnknown(input)
  const fail = (why: string) =>
    Effect.fail(new InvalidInput({ message: `${what} ${why}`, ...(key === undefined ? {} : { key }) }))
  if (Option.isNone(decoded)) return fail("is not a duration")
  // Duration.decode turns negative and NaN inputs into zero; they are mistakes, not "no time".
  if (isNegativeOrNaN(input)) return fail("must not be negative or NaN")
  const millis = Duration.toMillis(decoded.value)
  if (!Number.isFinite(millis)) return fail("must be finite")
  if (millis < 0 || (millis === 0 && !allowZero)) return fail(allowZero ? "must not be negative" : "must be positive")
  const whole = Math.ceil(millis)
  return whole > Number.MAX_SAFE_INTEGER / 2 ? fail("is too long") : Effect.succeed(whole)
}
