/** Durations as people type them on a command line: `30s`, `500ms`, `1m30s`, `2h`, or Effect's `30 seconds`. */
import { Duration, Either, Option } from "effect"

const unitMillis: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

// One or more number-and-unit parts, as Go's time.ParseDuration and most schedulers write them.
const compact = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/
const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/g

const compactMillis = (text: string): Option.Option<number> => {
  if (!compact.test(text)) return Option.none()
  let total = 0
  for (const [, amount, unit] of text.matchAll(part)) total += Number(amount) * (unitMillis[unit ?? ""] ?? Number.NaN)
  return Number.isFinite(total) ? Option.some(total) : Option.none()
}

/**
 * The duration `text` means, or why it means none. Zero is accepted only where `allowZero` says so; a bare number
 * is refused, since nobody can tell whether `30` is seconds or milliseconds.
 */
export const parseDuration = (text: string, allowZero = false): Either.Either<Duration.Duration, string> => {
  const trimmed = text.trim()
  const decoded = Option.orElse(Option.map(compactMillis(trimmed), Duration.millis), () =>
    /^\d+(\.\d+)?$/.test(trimmed) ? Option.none() : Duration.decodeUnknown(trimmed)
  )
  if (Option.isNone(decoded) || !Duration.isFinite(decoded.value)) {
    return Either.left(`"${text}" is not a duration: write it like 30s, 500ms, 1m30s or 2h`)
  }
  if (!allowZero && Duration.lessThanOrEqualTo(decoded.value, Duration.zero)) {
    return Either.left(`"${text}" must be longer than zero`)
  }
  return Either.right(decoded.value)
}
