import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { blindClaim, decide, maxLineLength, releasedClaim } from "../src/internal/lock/decide.js"
import type { Claim, Decision } from "../src/internal/lock/decide.js"
import { claimRequest, releaseRequest } from "../src/internal/lock/requests.js"
import { formatEntry } from "../src/internal/lock/record.js"
import type { Settings } from "../src/internal/lock/settings.js"
import { applyUpdate, conditionHolds, noLock } from "../src/Storage.js"
import type { StoredItem } from "../src/Storage.js"

const settings: Settings = { skew: 100, grace: 1000, outage: 10_000 }
const token = (name: string) => name.padEnd(32, "0").replace(/[^0-9a-f]/g, "a")
const me = token("1")
const other = token("2")
const third = token("3")

const record = ({
  expiresAt,
  foreign,
  version,
  ...lock
}: Partial<StoredItem["lock"]> & {
  readonly expiresAt?: number
  readonly foreign?: boolean
  readonly version?: number
}) =>
  Option.some<StoredItem>({
    key: "k",
    version: version ?? 4,
    expiresAt: Option.fromNullable(expiresAt),
    foreign: foreign ?? false,
    payload: { _tag: "Empty" },
    lock: { ...noLock, fence: 3, ...lock }
  })

const waiter = { token: me, ttl: 1000, wait: true }
const run = (current: Option.Option<StoredItem>, now: number, wait = true): Decision =>
  decide(current, { ...waiter, wait }, now, settings)

const claimOf = (decision: Decision) => {
  assert.strictEqual(decision._tag, "Claim", JSON.stringify(decision))
  return decision._tag === "Claim" ? decision.claim : undefined
}

describe("the lock protocol's decisions", () => {
  it("no record: claim it, on condition that it is still absent", () => {
    const claim = claimOf(run(Option.none(), 0))!
    assert.isTrue(conditionHolds(claim.condition, Option.none()))
    assert.isFalse(conditionHolds(claim.condition, record({})))
  })

  it("a lease of ours (a lost answer applied) is granted while it has the safety margin left, given back after", () => {
    const ours = record({ owner: Option.some(me), expiresAt: 5000 })
    // ttl 1000: margin 200.
    assert.deepStrictEqual(run(ours, 4800), { _tag: "Granted", item: Option.getOrThrow(ours), leaseEnd: 5000 })
    assert.deepStrictEqual(run(ours, 4801), { _tag: "Late", item: Option.getOrThrow(ours) })
  })

  it("a lease that names us but was rewritten by Go dynalock is not ours: it is Go's, held by its own rules", () => {
    const rewritten = record({ owner: Option.some(me), expiresAt: 5000, foreign: true })
    // Go takes a lock over only once `expires < now` in whole seconds: respected a second longer, plus the skew.
    assert.deepStrictEqual(run(rewritten, 6099), { _tag: "Join" })
    assert.strictEqual(run(rewritten, 6100)._tag, "Claim")
  })

  it("held by another: join the line (or give up without waiting); in line, wait until the lease can have ended", () => {
    const held = record({ owner: Option.some(other), expiresAt: 5000 })
    assert.deepStrictEqual(run(held, 4000), { _tag: "Join" })
    assert.deepStrictEqual(run(held, 4000, false), { _tag: "Held" })
    const inLine = record({ owner: Option.some(other), expiresAt: 5000, line: [formatEntry(me, 5500)] })
    // Refresh due at deadline - grace / 2 = 5000; the lease counts until 5000 + skew.
    assert.deepStrictEqual(run(inLine, 4000), {
      _tag: "Wait",
      until: 5000,
      ahead: 1,
      inLine: true,
      fence: 3,
      since: 0,
      hold: 0
    })
    const later = record({ owner: Option.some(other), expiresAt: 5000, line: [formatEntry(me, 9000)] })
    assert.deepStrictEqual(run(later, 4000), {
      _tag: "Wait",
      until: 5100,
      ahead: 1,
      inLine: true,
      fence: 3,
      since: 0,
      hold: 0
    })
    assert.strictEqual(run(later, 5100)._tag, "Claim", "an expired lease is free once the skew bound has passed too")
  })

  it("a place in line is renewed once half the grace period is left of it", () => {
    const line = [formatEntry(me, 5000)]
    const held = record({ owner: Option.some(other), expiresAt: 9000, line })
    assert.strictEqual(run(held, 4499)._tag, "Wait")
    const refresh = run(held, 4500)
    assert.strictEqual(refresh._tag, "Refresh")
    assert.strictEqual(refresh._tag === "Refresh" && refresh.entry.index, 0)
  })

  it("a released lock goes to the first waiter in line; the claim removes the entries up to its own", () => {
    const line = [formatEntry(other, 9000), formatEntry(me, 9000), formatEntry(third, 9000)]
    const released = record({ expiresAt: 2000, line })
    assert.strictEqual(run(released, 2001)._tag, "Wait", "another waiter is ahead")
    assert.strictEqual(decide(released, { ...waiter, token: third }, 2001, settings)._tag, "Wait")
    const first = claimOf(decide(released, { ...waiter, token: other }, 2001, settings))!
    assert.deepStrictEqual(first.remove, [0])
    assert.isTrue(conditionHolds(first.condition, released))
    // A join behind the claimant does not break its claim; a change of version, or of its own place, does.
    const joined = record({ expiresAt: 2000, line: [...line, formatEntry(token("4"), 9000)] })
    assert.isTrue(conditionHolds(first.condition, joined))
    assert.isFalse(conditionHolds(first.condition, record({ expiresAt: 2000, line, version: 5 })))
    assert.isFalse(conditionHolds(first.condition, record({ expiresAt: 2000, line: line.slice(1) })))
  })

  it("waiters whose place lapsed (deadline plus skew) are skipped at once, all together, and removed by the claim", () => {
    const line = [formatEntry(other, 2500), formatEntry(third, 2600), formatEntry(me, 9000)]
    const released = record({ expiresAt: 2000, line })
    const waiting = run(released, 2550)
    assert.deepStrictEqual(waiting, { _tag: "Wait", until: 2600, ahead: 2, inLine: true, fence: 3, since: 0, hold: 0 })
    assert.strictEqual(run(released, 2699)._tag, "Wait")
    assert.deepStrictEqual(claimOf(run(released, 2700))!.remove, [0, 1, 2])
  })

  it("without a place in line, a free lock may be taken only when nobody waits", () => {
    const alive = record({ expiresAt: 2000, line: [formatEntry(other, 9000)] })
    assert.deepStrictEqual(run(alive, 3000), { _tag: "Join" })
    assert.deepStrictEqual(run(alive, 3000, false), { _tag: "Held" })
    const lapsed = record({ expiresAt: 2000, line: [formatEntry(other, 2500), "not an entry of ours"] })
    const claim = claimOf(run(lapsed, 3000, false))!
    assert.deepStrictEqual(claim.remove, [0, 1])
    assert.isTrue(conditionHolds(claim.condition, lapsed))
    assert.isFalse(
      conditionHolds(claim.condition, record({ expiresAt: 2000, line: [...Option.getOrThrow(lapsed).lock.line, "x"] })),
      "pinned by its length"
    )
  })

  it("a claim that pins no place of its own pins the record's expiry too: a record made anew at that version fails it", () => {
    // Go's Unlock deleted a lapsed Go lease (version 1), and another Go client locked the key: version 1 again.
    const lapsed = record({ foreign: true, version: 1, expiresAt: 5000 })
    const claim = claimOf(run(lapsed, 6100, false))!
    assert.isTrue(conditionHolds(claim.condition, lapsed))
    assert.isFalse(conditionHolds(claim.condition, record({ foreign: true, version: 1, expiresAt: 8000 })))
    assert.isFalse(conditionHolds(claim.condition, record({ foreign: true, version: 1, expiresAt: 4000 })))
    assert.isFalse(conditionHolds(claim.condition, record({ foreign: true, version: 1 })))
    // A record of ours made anew (claimed and renewed up to the version seen) has a later expiry as well.
    const released = record({ version: 2, expiresAt: 2000 })
    const ours = claimOf(run(released, 3000, false))!
    assert.isTrue(conditionHolds(ours.condition, released))
    assert.isFalse(conditionHolds(ours.condition, record({ version: 2, expiresAt: 2001, owner: Option.some(other) })))
    assert.isFalse(conditionHolds(ours.condition, record({ version: 2, expiresAt: 1999 })))
  })

  it("a claim that pins its own place pins the record's expiry too: a late copy of its join on a record made anew fails it", () => {
    // The holder crashed; its record was deleted (TTL, or Go's Unlock) and made anew by another client's claim at
    // the same version, and a duplicate of our join landed there: our place and the version both match again.
    const lapsed = record({ version: 1, owner: Option.some(other), expiresAt: 5000, line: [formatEntry(me, 9000)] })
    const claim = claimOf(run(lapsed, 5100))!
    assert.isTrue(conditionHolds(claim.condition, lapsed))
    const madeAnew = record({ version: 1, owner: Option.some(third), expiresAt: 16_000, line: [formatEntry(me, 9000)] })
    assert.isFalse(conditionHolds(claim.condition, madeAnew), "the new holder's live lease would be taken")
  })

  it("leftover entries of the lease's own holder never hold anyone up", () => {
    const held = record({
      owner: Option.some(other),
      expiresAt: 5000,
      line: [formatEntry(other, 9000), formatEntry(me, 9000)]
    })
    assert.deepStrictEqual(run(held, 4000), {
      _tag: "Wait",
      until: 5100,
      ahead: 1,
      inLine: true,
      fence: 3,
      since: 0,
      hold: 0
    })
  })

  it("a foreign (Go dynalock) lease is respected until Go itself would take it over, plus the skew bound", () => {
    const go = record({ foreign: true, expiresAt: 5000 })
    assert.deepStrictEqual(run(go, 6099, false), { _tag: "Held" })
    assert.strictEqual(run(go, 6100, false)._tag, "Claim")
    assert.deepStrictEqual(
      run(record({ foreign: true }), 1e12, false),
      { _tag: "Held" },
      "a Go item without expiry is never free"
    )
  })

  it("a full line takes no new entries: the waiter waits without a place", () => {
    const line = Array.from({ length: maxLineLength }, (_, i) => formatEntry(token(["b", "c", "d"][i % 3]!), 9000))
    const held = record({ owner: Option.some(other), expiresAt: 5000, line })
    assert.deepStrictEqual(run(held, 4000), {
      _tag: "Wait",
      until: 5100,
      ahead: maxLineLength + 1,
      inLine: false,
      fence: 3,
      since: 0,
      hold: 0
    })
  })
})

describe("when a waiter looks again", () => {
  it("just after the release the record's timing predicts, then again after half as long as it is overdue", async () => {
    const { expectedLook } = await import("../src/internal/lock/pace.js")
    // The holder began at 1000 and holders typically hold 50 ms: first in line looks at 1051, just after the release
    // is expected to be sent (a look sent earlier reaches the store before the release does).
    assert.strictEqual(expectedLook(1010, 1, 1000, 50), 1051)
    // Third in line: two more turns of a hold each.
    assert.strictEqual(expectedLook(1010, 3, 1000, 50), 1151)
    // Overdue by 40 ms: again in 20 ms; by 1 ms: in 2 ms at least.
    assert.strictEqual(expectedLook(1090, 1, 1000, 50), 1110)
    assert.strictEqual(expectedLook(1051, 1, 1000, 50), 1053)
    // No estimate without a typical hold or a start.
    assert.isUndefined(expectedLook(1010, 1, 1000, 0))
    assert.isUndefined(expectedLook(1010, 1, 0, 50))
  })

  it("a waiter far back counts a hold per turn ahead, however slowly the line moved lately", async () => {
    const { expectedLook, observe, noPace } = await import("../src/internal/lock/pace.js")
    // The line moved at 200 ms per acquisition (gaps after late looks), holds are 50 ms: fourth in line looks at
    // 1000 + 4 x 50 + 1, not 600 ms of observed pace later, which would keep the line as slow as it was.
    const slow = observe(observe(noPace, 10, 0), 15, 1000)
    assert.strictEqual(slow.perAcquisition, 200)
    assert.strictEqual(expectedLook(1010, 4, 1000, 50), 1201)
  })

  it("a waiter reads the holding's timing from the record it waits on", () => {
    const held = record({
      owner: Option.some(other),
      expiresAt: 50_000,
      since: 30_000,
      hold: 45,
      line: [formatEntry(me, 60_000)]
    })
    const decision = run(held, 30_010)
    assert.isTrue(
      decision._tag === "Wait" && decision.since === 30_000 && decision.hold === 45,
      JSON.stringify(decision)
    )
  })

  it("between a release and the next holder's claim, a waiter times its look by a hold from now", () => {
    // The lease is free and another waiter is ahead, its claim on the way: the next holding starts about now and
    // lasts the record's typical hold. Without that timing the waiter slept a step of its schedule, grown while it
    // waited (169 ms and more), and stalled the line if its turn came meanwhile.
    const free = record({
      expiresAt: 30_000,
      since: 29_000,
      hold: 45,
      line: [formatEntry(other, 60_000), formatEntry(me, 60_000)]
    })
    const decision = run(free, 30_010)
    assert.isTrue(
      decision._tag === "Wait" && decision.ahead === 1 && decision.since === 30_010 && decision.hold === 45,
      JSON.stringify(decision)
    )
    // Not for Go dynalock's record: its holders leave no typical hold.
    const line = [formatEntry(other, 60_000), formatEntry(me, 60_000)]
    const go = run(record({ expiresAt: 25_000, foreign: true, hold: 45, line }), 30_010)
    assert.isTrue(go._tag === "Wait" && go.since === 0 && go.hold === 0, JSON.stringify(go))
  })

  it("the first in line claims when the release is expected: the claim applies once the lease is free, else never", () => {
    const ahead = formatEntry(third, 20_000) // lapsed by 30 010: skipped, and pinned so that it cannot come back
    const held = record({
      owner: Option.some(other),
      expiresAt: 50_000,
      since: 30_000,
      hold: 45,
      version: 7,
      line: [ahead, formatEntry(me, 60_000), formatEntry(other, 60_000)]
    })
    const decision = run(held, 30_010)
    assert.isTrue(decision._tag === "Wait" && decision.turn !== undefined, JSON.stringify(decision))
    const turn = (decision as Extract<Decision, { _tag: "Wait" }>).turn!
    assert.deepStrictEqual(turn.remove, [0, 1], "removes the lapsed entry and its own, not the one behind it")
    const item = Option.getOrThrow(held)
    const released = {
      ...item,
      version: 8,
      expiresAt: Option.some(30_050),
      lock: { ...item.lock, owner: Option.none() }
    }
    const holds = (candidate: StoredItem | undefined) => conditionHolds(turn.condition, Option.fromNullable(candidate))
    assert.isTrue(holds(released), "released: the claim applies")
    assert.isFalse(holds(item), "still held: refused")
    assert.isFalse(
      holds({
        ...released,
        lock: { ...released.lock, line: [formatEntry(third, 70_000), ...item.lock.line.slice(1)] }
      }),
      "the waiter ahead came back: refused"
    )
    assert.isFalse(holds({ ...released, foreign: true }), "Go dynalock wrote it since: refused")
    assert.isFalse(holds({ ...released, lock: { ...released.lock, line: [] } }), "a record made anew: refused")
    assert.isFalse(holds(undefined), "gone: refused")
    assert.isFalse(
      holds({ ...released, lock: { ...released.lock, owner: Option.some(third) } }),
      "taken by someone else meanwhile: refused"
    )
    // An expired lease counts as free only once the skew bound has passed by the waiter's clock when it decided.
    const expired = { ...item, expiresAt: Option.some(29_910) }
    assert.isTrue(holds(expired))
    assert.isFalse(holds({ ...item, expiresAt: Option.some(29_911) }))
  })

  it("a waiter behind one other claims when its turn is expected: the claim applies once that one has had it", () => {
    const fourth = token("4")
    const lapsed = formatEntry(fourth, 20_000) // between the waiter ahead and me: removed by my claim, pinned
    const line = [formatEntry(third, 60_000), lapsed, formatEntry(me, 60_000), formatEntry(other, 60_000)]
    const held = record({ owner: Option.some(other), expiresAt: 50_000, since: 30_000, hold: 45, version: 7, line })
    const decision = run(held, 30_010)
    assert.isTrue(decision._tag === "Wait" && decision.ahead === 2 && decision.turn !== undefined)
    const turn = (decision as Extract<Decision, { _tag: "Wait" }>).turn!
    assert.deepStrictEqual(turn.remove, [0, 1], "the line as it will be: the lapsed entry first, then mine")
    const item = Option.getOrThrow(held)
    const at = (owner: Option.Option<string>, rest: ReadonlyArray<string>, expiresAt = 30_200): StoredItem => ({
      ...item,
      version: 9,
      expiresAt: Option.some(expiresAt),
      lock: { ...item.lock, owner, line: rest }
    })
    const holds = (candidate: StoredItem) => conditionHolds(turn.condition, Option.some(candidate))
    assert.isTrue(holds(at(Option.none(), line.slice(1))), "the one ahead held and released: the claim applies")
    assert.isTrue(
      holds(at(Option.none(), [...line.slice(1), formatEntry(token("5"), 70_000)])),
      "others joined behind meanwhile: it still applies"
    )
    assert.isFalse(holds(item), "still held by the first holder: refused")
    assert.isFalse(holds(at(Option.none(), line)), "released, but the one ahead has not had its turn: refused")
    assert.isFalse(holds(at(Option.some(third), line.slice(1), 90_000)), "the one ahead holds it: refused")
    assert.isFalse(
      holds(at(Option.none(), [formatEntry(fourth, 70_000), ...line.slice(2)])),
      "the lapsed entry came back: refused"
    )
  })

  it("no turn claim without the record's timing, nor for a waiter with more than two others waiting ahead", () => {
    const untimed = record({ owner: Option.some(other), expiresAt: 50_000, line: [formatEntry(me, 60_000)] })
    assert.isUndefined((run(untimed, 30_010) as Extract<Decision, { _tag: "Wait" }>).turn)
    const behind = record({
      owner: Option.some(other),
      expiresAt: 50_000,
      since: 30_000,
      hold: 45,
      line: [
        formatEntry(third, 60_000),
        formatEntry(token("4"), 60_000),
        formatEntry(token("5"), 60_000),
        formatEntry(me, 60_000)
      ]
    })
    const decision = run(behind, 30_010)
    assert.isTrue(decision._tag === "Wait" && decision.ahead === 4 && decision.turn === undefined)
  })
})

describe("a copy of a claim that reaches the store late (the network sent it twice)", () => {
  /** A holding of `owner`'s: taken by `claim` sent at `since`, released at `until`. */
  const holding = (before: Option.Option<StoredItem>, owner: string, claim: Claim, since: number, until: number) => {
    const request = claimRequest({
      key: "k",
      token: owner,
      value: new Uint8Array(0),
      now: since,
      ttl: 1000,
      skew: 100,
      claim
    })
    const held = Option.some(applyUpdate(before, request))
    return Option.some(applyUpdate(held, releaseRequest("k", { token: owner, since }, until, 100)))
  }

  it("the blind claim's copy, after the lease it took was released, is refused: it would hold the key for a ttl", () => {
    const claim = blindClaim(5000, settings)
    const released = holding(Option.none(), me, claim, 5000, 5010)
    assert.isFalse(conditionHolds(claim.condition, released))
    // Nor after another client's holding since.
    assert.isFalse(conditionHolds(claim.condition, holding(released, other, blindClaim(5040, settings), 5040, 5050)))
    // A blind claim sent later still applies.
    assert.isTrue(conditionHolds(blindClaim(5100, settings).condition, released))
  })

  it("the released claim's copy, after its own release, is refused, even within the same millisecond", () => {
    const before = holding(Option.none(), me, blindClaim(5000, settings), 5000, 5010)
    const claim = releasedClaim(Option.getOrThrow(before))
    assert.isTrue(conditionHolds(claim.condition, before))
    const released = holding(before, me, claim, 5010, 5010)
    assert.isFalse(conditionHolds(claim.condition, released))
    assert.isTrue(conditionHolds(releasedClaim(Option.getOrThrow(released)).condition, released))
  })
})
