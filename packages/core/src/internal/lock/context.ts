/** What every part of one client's lock protocol shares. */
import type { Storage } from "../../Storage.js"
import type { Gate } from "./gate.js"
import type { Renewals } from "./renewals.js"
import type { Settings } from "./settings.js"

export interface LockContext {
  readonly storage: Storage
  readonly settings: Settings
  readonly gate: Gate
  /** The client's one timer for renewals. */
  readonly renewals: Renewals
  /**
   * Keys on which this client last saw others waiting. Acquiring one of them starts by taking a place in line
   * (whose answer shows the record) rather than with a claim that would only be rejected.
   */
  readonly contended: Set<string>
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
