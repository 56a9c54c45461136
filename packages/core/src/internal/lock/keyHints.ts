/**
 * What this client last saw of a key's record at its own grants and releases, for the first step of its next
 * acquisition of the key. Bounded: a client that locks a new key for every job must not keep one hint per key for
 * ever; a forgotten hint only costs the next acquisition its shortcut.
 */
import type { StoredItem } from "../../Storage.js"

/**
 * `contended`: others were waiting, so the next acquisition goes straight into line. `released`: this client's own
 * release left the lease free with nobody in line (the record as the release left it), so the next acquisition may
 * claim it on that alone.
 */
export type KeyHint = "contended" | { readonly released: StoredItem }

export interface KeyHints {
  readonly get: (key: string) => KeyHint | undefined
  readonly set: (key: string, hint: KeyHint) => void
  readonly delete: (key: string) => void
}

/** Hints for at most `capacity` keys, the least recently set forgotten first. */
export const makeKeyHints = (capacity = 4096): KeyHints => {
  const hints = new Map<string, KeyHint>()
  return {
    get: (key) => hints.get(key),
    set: (key, hint) => {
      // Re-inserted, so that the map's insertion order is the order of last use.
      hints.delete(key)
      hints.set(key, hint)
      if (hints.size > capacity) hints.delete(hints.keys().next().value!)
    },
    delete: (key) => {
      hints.delete(key)
    }
  }
}
