/**
 * What the wait loop needs to know of the kind of lease it waits for: a plain lock (one owner) or a semaphore's
 * permits (several holders). Everything else (lines, places, schedules, outages, clean-up) is the same.
 */
import type { Option } from "effect"
import type { StoredItem, UpdateRequest } from "../../Storage.js"
import type { Claim, Decision } from "./decide.js"

export interface Kind {
  /** `lock` or `semaphore`, the `kind` tag of its metrics. */
  readonly name: "lock" | "semaphore"
  /** The next step on the record as read at `now`. */
  readonly decide: (current: Option.Option<StoredItem>, now: number) => Decision
  /**
   * The claim sent without reading first; none when a read must come first. `released`: the record as this client's
   * own release left it, when that was its last write on the key and left the lease free with nobody in line.
   */
  readonly blindClaim: (now: number, released: StoredItem | undefined) => Option.Option<Claim>
  /** The write that takes the lease, counted from `sent`. */
  readonly claimRequest: (claim: Claim, sent: number) => UpdateRequest
  /** The end of this waiter's lease in the record, if the record gives it one. */
  readonly leaseEnd: (item: StoredItem) => Option.Option<number>
  /** The write that gives this waiter's lease back, as the record shows it; none when it has none there. */
  readonly giveBack: (current: Option.Option<StoredItem>, now: number) => Option.Option<UpdateRequest>
  /** This waiter's entry in the line, its place lasting until `deadline`. */
  readonly entry: (deadline: number) => string
  /** The fencing token a grant on this record carries (0 for a semaphore: its permits have none). */
  readonly fence: (item: StoredItem) => number
}
