/** The plain lock as a kind of lease for the wait loop: one owner, a fencing token, a value. */
import { Option } from "effect"
import type { Kind } from "./kind.js"
import { blindClaim, decide, releasedClaim } from "./decide.js"
import type { ResolvedLockOptions } from "./options.js"
import { formatEntry, ownLeaseEnd } from "./record.js"
import { claimRequest, giveBackRequest } from "./requests.js"
import type { Settings } from "./settings.js"

export const lockKind = (key: string, token: string, options: ResolvedLockOptions, settings: Settings): Kind => ({
  name: "lock",
  decide: (current, now) => decide(current, { token, ttl: options.ttl, wait: options.wait }, now, settings),
  blindClaim: (now, released) =>
    Option.some(released === undefined ? blindClaim(now, settings) : releasedClaim(released)),
  claimRequest: (claim, sent) =>
    claimRequest({ key, token, value: options.value, now: sent, ttl: options.ttl, skew: settings.skew, claim }),
  leaseEnd: (item) => ownLeaseEnd(item, token),
  // Pinned to the lease the record shows: nothing to give back where there is no record.
  giveBack: (current, now) => Option.map(current, (item) => giveBackRequest(item, token, now, settings.skew)),
  entry: (deadline) => formatEntry(token, deadline),
  fence: (item) => item.lock.fence
})
