/** The plain lock as a kind of lease for the wait loop: one owner, a fencing token, a value. */
import { Option } from "effect"
import type { Kind } from "./kind.js"
import { blindClaim, decide, releasedClaim } from "./decide.js"
import type { ResolvedLockOptions } from "./options.js"
import { formatEntry, ownLeaseEnd } from "./record.js"
import { claimRequest, releaseRequest } from "./requests.js"
import type { Settings } from "./settings.js"

export const lockKind = (key: string, token: string, options: ResolvedLockOptions, settings: Settings): Kind => ({
  name: "lock",
  decide: (current, now) => decide(current, { token, ttl: options.ttl, wait: options.wait }, now, settings),
  blindClaim: (now, released) =>
    Option.some(released === undefined ? blindClaim(now, settings) : releasedClaim(released)),
  claimRequest: (claim, sent) =>
    claimRequest({ key, token, value: options.value, now: sent, ttl: options.ttl, skew: settings.skew, claim }),
  leaseEnd: (item) => ownLeaseEnd(item, token),
  // Conditioned on the owner token: harmless when the record no longer names us.
  // The lease began when the claim that applied was sent: the record's `since`, where the record shows it.
  giveBack: (current, now) =>
    Option.some(
      releaseRequest(
        key,
        { token, since: Option.match(current, { onNone: () => now, onSome: (item) => item.lock.since }) },
        now,
        settings.skew
      )
    ),
  entry: (deadline) => formatEntry(token, deadline),
  fence: (item) => item.lock.fence
})
