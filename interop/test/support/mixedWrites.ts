/**
 * Sequences of writes to one key by either side, each with what it must leave both sides reading: our expiry
 * (epoch ms) and Go's `expires` (epoch seconds). After every write of every sequence the two views must agree
 * (ours exactly Go's second when Go wrote last; Go's second ours rounded up when we wrote last) and say what the last
 * write set; at the end neither side's create-only write may apply to the live item.
 */
import { assert } from "@effect/vitest"
import { DateTime, Duration, Effect, Option } from "effect"
import type { KeyValueStore } from "@dynalock/core"
import type { GoDriver } from "./goDriver.js"

/** What both sides read of a live item. */
export interface Views {
  readonly version: number
  /** Our expiry in epoch ms; none when it never expires. */
  readonly ours: Option.Option<number>
  /** Go's `expires` in epoch seconds; none when Go reads none (its 0). */
  readonly go: Option.Option<number>
}

export interface Sides {
  readonly store: KeyValueStore["Type"]
  readonly go: GoDriver
}

/** One write; it returns the check of the views after it. */
export interface MixedWrite {
  readonly label: string
  readonly side: "ours" | "go"
  readonly run: (
    sides: Sides,
    key: string,
    before: Option.Option<Views>
  ) => Effect.Effect<(after: Views, context: string) => void, unknown>
}

const ours = (label: string, ttl: Duration.DurationInput | undefined): MixedWrite => ({
  label,
  side: "ours",
  run: ({ store }, key) =>
    Effect.map(
      store.put(key, label, ttl === undefined ? undefined : { ttl }),
      (written) => (after, context) =>
        assert.deepStrictEqual(
          after.ours,
          Option.map(written.expires, DateTime.toEpochMillis),
          `${context}: our expiry is our write's`
        )
    )
})

/** A Go Put with a TTL: Go stamps the second its clock reads after adding the TTL. */
const goTtl = (label: string, ttl: Duration.DurationInput | undefined): MixedWrite => ({
  label,
  side: "go",
  run: ({ go }, key) =>
    Effect.gen(function* () {
      const millis = Duration.toMillis(Duration.decode(ttl ?? "20 seconds"))
      const sent = Date.now()
      yield* go.put(key, { bytes: new TextEncoder().encode(label) }, ttl === undefined ? undefined : { ttl })
      const answered = Date.now()
      return (after, context) => {
        const expires = Option.getOrThrowWith(after.go, () => new Error(`${context}: Go's write has no expiry`))
        assert.isAtLeast(expires, Math.floor((sent + millis) / 1000), `${context}: Go's expiry`)
        assert.isAtMost(expires, Math.floor((answered + millis) / 1000), `${context}: Go's expiry`)
      }
    })
})

/** `WriteWithNoExpires` leaves whatever `expires` the item had. */
const goNoExpires: MixedWrite = {
  label: "Go Put WriteWithNoExpires",
  side: "go",
  run: ({ go }, key, before) =>
    Effect.as(go.put(key, { bytes: new TextEncoder().encode("no expires") }, { noExpires: true }), (after, context) =>
      assert.deepStrictEqual(
        after.go,
        Option.flatMap(before, (views) => views.go),
        `${context}: Go keeps the expiry there was`
      )
    )
}

/**
 * Every kind of write to a key's expiry, on both sides (Go's default TTL is a TTL like any other); the TTLs differ
 * by side, so that a leftover of the other side's write would show. Nothing here expires while a sequence runs.
 */
export const mixedWrites: ReadonlyArray<MixedWrite> = [
  ours("our put, ttl 1 h", "1 hour"),
  ours("our put, no ttl", undefined),
  goTtl("Go Put WriteWithTTL 10 min", "10 minutes"),
  goNoExpires
]

/** Every sequence of `length` writes of `writes`, repetitions included. */
export const sequencesOf = <A>(writes: ReadonlyArray<A>, length: number): ReadonlyArray<ReadonlyArray<A>> =>
  length === 0 ? [[]] : sequencesOf(writes, length - 1).flatMap((prefix) => writes.map((write) => [...prefix, write]))

const viewsOf = ({ go, store }: Sides, key: string, context: string) =>
  Effect.gen(function* () {
    const ourPair = yield* store.get(key)
    const goPair = yield* go.get(key)
    assert.strictEqual(ourPair.version, goPair.version, `${context}: one version`)
    return {
      version: ourPair.version,
      ours: Option.map(ourPair.expires, DateTime.toEpochMillis),
      go: goPair.expires === 0 ? Option.none() : Option.some(goPair.expires)
    } satisfies Views
  })

/** Runs one sequence on a fresh key: both views after every write, both create-only writes at the end. */
export const runSequence = (sides: Sides, key: string, sequence: ReadonlyArray<MixedWrite>) =>
  Effect.gen(function* () {
    let before = Option.none<Views>()
    for (const [index, write] of sequence.entries()) {
      const context = `${sequence
        .slice(0, index + 1)
        .map((step) => step.label)
        .join(" -> ")} (${key})`
      const check = yield* write.run(sides, key, before)
      const after = yield* viewsOf(sides, key, context)
      check(after, context)
      assert.strictEqual(
        after.version,
        Option.match(before, { onNone: () => 1, onSome: (views) => views.version + 1 }),
        `${context}: version`
      )
      assert.strictEqual(
        Option.isSome(after.ours),
        Option.isSome(after.go),
        `${context}: both see an expiry, or neither`
      )
      if (Option.isSome(after.ours) && Option.isSome(after.go)) {
        if (write.side === "go")
          assert.strictEqual(after.ours.value, after.go.value * 1000, `${context}: we read Go's second`)
        else
          assert.strictEqual(after.go.value, Math.ceil(after.ours.value / 1000), `${context}: Go reads ours rounded up`)
      }
      before = Option.some(after)
    }
    // The item is live on both sides: neither side's create-only write may replace it (nor count a version).
    const context = `${sequence.map((step) => step.label).join(" -> ")} (${key})`
    const ourCreate = yield* Effect.flip(sides.store.atomicPut(key, "create-only"))
    assert.strictEqual(ourCreate._tag, "KeyExists", `${context}: our create-only write`)
    const goCreate = yield* Effect.flip(
      sides.go.atomicPut(key, { value: { bytes: new Uint8Array([1]) }, ttl: "1 hour" })
    )
    assert.strictEqual(goCreate.name, "KeyExists", `${context}: Go's create-only write`)
    const last = Option.getOrThrow(before)
    assert.strictEqual((yield* viewsOf(sides, key, context)).version, last.version, `${context}: no version counted`)
  })
