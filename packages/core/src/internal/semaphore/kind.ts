/** A semaphore's permits as a kind of lease for the wait loop: several holders, each with its own lease end. */
import { Option } from "effect"
import type { UpdateRequest } from "../../Storage.js"
import type { Kind } from "../lock/kind.js"
import type { ResolvedLockOptions } from "../lock/options.js"
import { formatEntry, holdersOf } from "../lock/record.js"
import type { Settings } from "../lock/settings.js"
import { createClaim, decideSemaphore } from "./decide.js"

export const semaphoreKind = (
  key: string,
  token: string,
  options: ResolvedLockOptions,
  permits: number,
  limit: number,
  settings: Settings,
  /** Semaphore keys this client has seen a record of: those are read first, since a blind create would fail. */
  existing: Set<string>
): Kind => {
  const own = (holders: ReadonlyArray<string>) =>
    holdersOf({ lock: { holders } } as never).find((holder) => holder.token === token)
  return {
    name: "semaphore",
    decide: (current, now) => {
      if (Option.isSome(current)) existing.add(key)
      else existing.delete(key)
      return decideSemaphore(current, { token, ttl: options.ttl, wait: options.wait, permits, limit }, now, settings)
    },
    // Only the record's creation can be claimed blind: every other claim must count the holders first.
    blindClaim: () => (existing.has(key) ? Option.none() : Option.some(createClaim)),
    claimRequest: (claim, sent): UpdateRequest => ({
      key,
      condition: claim.condition,
      // The record keeps no expiry of its own (the holders' leases are in their entries), so TTL never collects it.
      expiresAt: Option.none(),
      limit,
      holders: { _tag: "Set", entries: [...(claim.holders ?? []), formatEntry(token, sent + options.ttl, permits)] },
      line: claim.remove.length === 0 ? undefined : { _tag: "Remove", indices: claim.remove }
    }),
    leaseEnd: (item) => Option.fromNullable(own(item.lock.holders)).pipe(Option.map((holder) => holder.deadline)),
    giveBack: (current) =>
      Option.flatMap(current, (item) =>
        Option.map(Option.fromNullable(own(item.lock.holders)), (holder) => removeHolder(key, holder.index, holder.raw))
      ),
    entry: (deadline) => formatEntry(token, deadline, permits),
    fence: () => 0
  }
}

/** Give a holder's permits back: remove its entry, if it is still where it was. Not a versioned write. */
export const removeHolder = (key: string, index: number, raw: string): UpdateRequest => ({
  key,
  bump: false,
  condition: { _tag: "LineAt", list: "holders", index, entry: raw },
  holders: { _tag: "Remove", indices: [index] }
})

/** Move a holder's lease end forward, its entry still where it was. Not a versioned write. */
export const renewHolder = (key: string, index: number, raw: string, renewed: string): UpdateRequest => ({
  key,
  bump: false,
  condition: { _tag: "LineAt", list: "holders", index, entry: raw },
  holders: { _tag: "Replace", index, entry: renewed }
})
