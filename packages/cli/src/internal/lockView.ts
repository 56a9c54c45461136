/** How `status` and `list` show a lock: one line of text for people and awk, or JSON for programs. */
import { DateTime, Duration, Option } from "effect"
import type { LockState } from "@dynalock/core"

const utf8 = new TextDecoder("utf-8", { fatal: true })

/** The payload as text when it is UTF-8 (what `dynalock run` writes), none when it is binary. */
const valueText = (value: Uint8Array): Option.Option<string> => {
  try {
    return Option.some(utf8.decode(value))
  } catch {
    return Option.none()
  }
}

/** A lock record as JSON. The fencing token is a string: it is a 64-bit counter, more than a JSON number holds. */
interface LockJson {
  readonly key: string
  /** False for a key that was never locked (there is no record); the other fields are then absent. */
  readonly exists: boolean
  readonly held?: boolean
  readonly fencingToken?: string
  /** The live lease's end (ISO 8601), null when not held. */
  readonly expires?: string | null
  readonly waiting?: number
  /** The holder's payload as UTF-8 text, null when it is not text (see valueBase64). */
  readonly value?: string | null
  readonly valueBase64?: string
}

/** A record as JSON. */
export const toJson = (state: LockState): LockJson => ({
  key: state.key,
  exists: true,
  held: state.held,
  fencingToken: state.fencingToken.toString(),
  expires: Option.match(state.expires, { onNone: () => null, onSome: DateTime.formatIso }),
  waiting: state.waiting,
  value: Option.getOrNull(valueText(state.value)),
  valueBase64: Buffer.from(state.value).toString("base64")
})

/** A key with no record, as JSON. */
export const neverLockedJson = (key: string): LockJson => ({ key, exists: false })

const leaseLeft = (expires: DateTime.Utc, now: DateTime.Utc): string =>
  Duration.format(Duration.millis(Math.max(0, Math.round(DateTime.distance(now, expires) / 100) * 100)))

/**
 * `KEY held token=N expires=ISO (in 12s 300ms) waiting=N value="..."`, or `KEY free token=N waiting=N` for a record
 * without a live lease (the token is the last holder's). Fields are `name=value` so that scripts can pick them.
 */
export const toLine = (state: LockState, now: DateTime.Utc): string => {
  const fields = [state.key, state.held ? "held" : "free", `token=${state.fencingToken}`]
  if (Option.isSome(state.expires)) {
    fields.push(`expires=${DateTime.formatIso(state.expires.value)} (in ${leaseLeft(state.expires.value, now)})`)
  }
  fields.push(`waiting=${state.waiting}`)
  if (state.value.length > 0) {
    fields.push(
      Option.match(valueText(state.value), {
        onNone: () => `value=base64:${Buffer.from(state.value).toString("base64")}`,
        onSome: (text) => `value=${JSON.stringify(text)}`
      })
    )
  }
  return fields.join(" ")
}

/** The line for a key with no record. */
export const neverLockedLine = (key: string): string => `${key} never locked`
