/** What every part of one client's lock protocol shares. */
import type { Storage } from "../../Storage.js"
import type { Gate } from "./gate.js"
import type { KeyHints } from "./keyHints.js"
import type { Renewals } from "./renewals.js"
import type { Settings } from "./settings.js"

export interface LockContext {
  readonly storage: Storage
  readonly settings: Settings
  readonly gate: Gate
  /** The client's one timer for renewals. */
  readonly renewals: Renewals
  /**
   * What this client last saw of each key it locked: others waiting (the next acquisition starts by taking a place
   * in line, whose answer shows the record, rather than with a claim that would only be rejected), or its own
   * release leaving the lease free (the next one claims it with the shortest condition).
   */
  readonly hints: KeyHints
  /** Semaphore keys whose record this client has seen exist. */
  readonly semaphores: Set<string>
}

/** What an acquisition won. */
export interface Grant {
  readonly key: string
  readonly token: string
  readonly fence: number
  readonly value: Uint8Array
  /** The lease's end in the record (this client's clock): the claim's send time plus the ttl. */
  readonly leaseEnd: number
  readonly ttl: number
  readonly renew: boolean
  /** The record's estimate of how long holders hold this key (0: none yet), which this holder's release updates. */
  readonly typicalHold: number
  /** From the claim's send time (the lease's start) to its answer. */
  readonly claimRoundTrip: number
}
