// Expiry both ways. Go writes and compares `expires` in whole seconds of its clock; we write it rounded up next to
// the precise `expiresMs`. Waits are for Go's second boundaries, computed from what was stored (at most ~2 s).
// Mixed writes: an item whose last versioned write was Go's (`stamp` no longer equals `version`) reads by `expires`
// alone on our side, whatever `expiresMs` we left on it.
import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Option } from "effect"
import { startGoDriver } from "./support/goDriver.js"
import { mixedWrites, runSequence, sequencesOf } from "./support/mixedWrites.js"
import { engines, goText, numberOf as seconds, serverLayer, setup, text, untilPast, utf8 } from "./support/setup.js"

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(`expiry between Go and dynalock, on ${engine}`, (it) => {
    it.scoped("Go's TTLs: an hour, Go's 20 s default, none, and one that has passed", () =>
      Effect.gen(function* () {
        const { go, raw, store } = yield* setup()
        const before = Date.now()
        yield* go.put("ttl/hour", { bytes: utf8("hour") }, { ttl: "1 hour" })
        yield* go.put("ttl/default", { bytes: utf8("default") })
        yield* go.put("ttl/none", { bytes: utf8("none") }, { noExpires: true })
        yield* go.put("ttl/passed", { bytes: utf8("passed") }, { ttl: "1 millis" })
        const after = Date.now()

        const hour = yield* store.get("ttl/hour")
        assert.deepStrictEqual(
          hour.expires,
          Option.some(DateTime.unsafeMake((yield* go.get("ttl/hour")).expires * 1000))
        )
        // Go's default expiry, 20 s, truncated to its second.
        const defaultExpiry = DateTime.toEpochMillis(Option.getOrThrow((yield* store.get("ttl/default")).expires))
        assert.isAtLeast(defaultExpiry, Math.floor((before + 20_000) / 1000) * 1000)
        assert.isAtMost(defaultExpiry, after + 20_000)
        assert.isTrue(Option.isNone((yield* store.get("ttl/none")).expires))
        // WriteWithNoExpires sets no expiry, and removes none either: the item keeps the hour.
        yield* go.put("ttl/hour", { bytes: utf8("hour, again") }, { noExpires: true })
        const again = yield* store.get("ttl/hour")
        assert.deepStrictEqual([again.version, again.expires], [2, hour.expires])

        // Go stamped the current second, which is over once the clock passes it.
        yield* untilPast(seconds((yield* raw("ttl/passed")).expires) * 1000)
        assert.strictEqual((yield* Effect.flip(store.get("ttl/passed")))._tag, "KeyNotFound")
        assert.isFalse(yield* store.exists("ttl/passed"))
        assert.deepStrictEqual(
          (yield* store.list("ttl/")).map((pair) => pair.key),
          ["ttl/default", "ttl/hour", "ttl/none"]
        )
        assert.strictEqual((yield* Effect.flip(go.get("ttl/passed"))).name, "KeyNotFound")

        // A key Go let expire is ours to create, without a previous version; Go then sees our item.
        const created = yield* store.atomicPut("ttl/passed", "ours now")
        assert.strictEqual(created.version, 2)
        const seen = yield* go.get("ttl/passed")
        assert.deepStrictEqual([seen.version, seen.expires, goText(seen)], [2, 0, "ours now"])
      })
    )

    it.scoped(
      "every sequence of three writes by either side: both read one expiry, and no create-only write applies",
      () =>
        Effect.gen(function* () {
          const { go, partition, server, store } = yield* setup()
          // Go's driver answers one command at a time: a few of them keep the 64 sequences quick.
          const drivers = [
            go,
            ...(yield* Effect.all(Array.from({ length: 3 }, () => startGoDriver(server, partition))))
          ]
          const sequences = sequencesOf(mixedWrites, 3)
          assert.strictEqual(sequences.length, 64)
          yield* Effect.forEach(
            sequences,
            (sequence, index) =>
              runSequence({ store, go: drivers[index % drivers.length]! }, `mixed/${index}`, sequence),
            { concurrency: 8, discard: true }
          )
        })
    )

    it.scoped(
      "mixed writes in time: each side's last write sets the expiry, and both find the item expired by then",
      () =>
        Effect.gen(function* () {
          const { go, raw, store } = yield* setup()
          const millisOf = (pair: { readonly expires: Option.Option<DateTime.Utc> }) =>
            DateTime.toEpochMillis(Option.getOrThrow(pair.expires))
          // Ours for an hour, then Go's for 2 s (at least one more second, by Go's whole seconds): Go's expiry counts on
          // both sides, our `expiresMs` is a leftover.
          yield* store.put("mixed/go-shortens", "ours", { ttl: "1 hour" })
          yield* go.put("mixed/go-shortens", { bytes: utf8("go") }, { ttl: "2 seconds" })
          // Ours, expired at once; Go creates over it once its second allows.
          const expired = yield* store.put("mixed/go-recreates", "ours", { ttl: "1 millis" })
          // Go's for an hour, then ours for 1.5 s: ours counts, Go's to the second rounded up.
          yield* go.put("mixed/we-shorten", { bytes: utf8("go") }, { ttl: "1 hour" })
          const shortened = yield* store.put("mixed/we-shorten", "ours", { ttl: "1500 millis" })
          // Go's for 2 s, then ours for an hour.
          yield* go.put("mixed/we-extend", { bytes: utf8("go") }, { ttl: "2 seconds" })
          const extended = yield* store.put("mixed/we-extend", "ours", { ttl: "1 hour" })
          // Ours for 1.5 s, then Go's WriteWithNoExpires: the item keeps `expires`, which both now read.
          const kept = yield* store.put("mixed/go-keeps", "ours", { ttl: "1500 millis" })
          yield* go.put("mixed/go-keeps", { bytes: utf8("go") }, { noExpires: true })

          const goShortens = yield* raw("mixed/go-shortens")
          assert.isAbove(seconds(goShortens.expiresMs), Date.now() + 3_500_000)
          assert.strictEqual(millisOf(yield* store.get("mixed/go-shortens")), seconds(goShortens.expires) * 1000)
          assert.strictEqual((yield* go.get("mixed/we-shorten")).expires, Math.ceil(millisOf(shortened) / 1000))
          assert.strictEqual((yield* go.get("mixed/we-extend")).expires, Math.ceil(millisOf(extended) / 1000))
          assert.strictEqual(millisOf(yield* store.get("mixed/go-keeps")), Math.ceil(millisOf(kept) / 1000) * 1000)
          assert.strictEqual((yield* go.get("mixed/go-keeps")).expires, Math.ceil(millisOf(kept) / 1000))

          // Past every short expiry as the later side (Go, by whole seconds) reads it, and past Go's create condition
          // (`expires < now` in whole seconds) for the expired item.
          yield* untilPast(
            Math.max(
              seconds(goShortens.expires) * 1000,
              Math.ceil(millisOf(shortened) / 1000) * 1000,
              Math.ceil(millisOf(kept) / 1000) * 1000,
              (Math.ceil(millisOf(expired) / 1000) + 1) * 1000
            )
          )
          for (const key of ["mixed/go-shortens", "mixed/we-shorten", "mixed/go-keeps"]) {
            assert.strictEqual((yield* Effect.flip(store.get(key)))._tag, "KeyNotFound", key)
            assert.strictEqual((yield* Effect.flip(go.get(key))).name, "KeyNotFound", key)
          }
          assert.strictEqual((yield* go.get("mixed/we-extend")).expires, Math.ceil(millisOf(extended) / 1000))
          const recreated = yield* go.atomicPut("mixed/go-recreates", {
            value: { bytes: utf8("go's now") },
            ttl: "1 hour"
          })
          // Go's item is live for us, whatever our leftover `expiresMs` says, and our create-only write fails on it.
          assert.isBelow(seconds((yield* raw("mixed/go-recreates")).expiresMs), Date.now())
          const read = yield* store.get("mixed/go-recreates")
          assert.deepStrictEqual(
            [read.version, millisOf(read), text(read.value)],
            [2, recreated.expires * 1000, "go's now"]
          )
          assert.strictEqual(
            (yield* Effect.flip(store.atomicPut("mixed/go-recreates", "ours again")))._tag,
            "KeyExists"
          )
          // An item Go let expire is ours to create.
          assert.strictEqual((yield* store.atomicPut("mixed/go-shortens", "ours again")).version, 3)
          const live = ["mixed/go-recreates", "mixed/go-shortens", "mixed/we-extend"]
          assert.deepStrictEqual(
            (yield* store.list("mixed/")).map((pair) => pair.key),
            live
          )
          assert.deepStrictEqual(
            (yield* go.list("mixed/")).map((pair) => pair.key),
            live
          )
        })
    )

    it.scoped("our TTLs: Go reads `expires` rounded up, skips our expired items and creates over them", () =>
      Effect.gen(function* () {
        const { go, raw, store } = yield* setup()
        const hour = yield* store.put("ttl/hour", "hour", { ttl: "1 hour" })
        yield* store.put("ttl/none", "none")
        yield* store.put("ttl/short", "short", { ttl: "1 millis" })

        const hourMs = DateTime.toEpochMillis(Option.getOrThrow(hour.expires))
        assert.strictEqual((yield* go.get("ttl/hour")).expires, Math.ceil(hourMs / 1000))
        assert.strictEqual((yield* go.get("ttl/none")).expires, 0)

        // Ours expired a millisecond after the write; Go's `expires` is that instant rounded up to a second.
        const shortSeconds = seconds((yield* raw("ttl/short")).expires)
        assert.strictEqual((yield* Effect.flip(store.get("ttl/short")))._tag, "KeyNotFound")
        yield* untilPast(shortSeconds * 1000)
        assert.strictEqual((yield* Effect.flip(go.get("ttl/short"))).name, "KeyNotFound")
        assert.isFalse(yield* go.exists("ttl/short"))
        assert.deepStrictEqual(
          (yield* go.list("ttl/")).map((pair) => pair.key),
          ["ttl/hour", "ttl/none"]
        )

        // Go's create condition is `expires < now` in whole seconds: one more second and the key is Go's to create.
        yield* untilPast((shortSeconds + 1) * 1000)
        const created = yield* go.atomicPut("ttl/short", { value: { bytes: utf8("go's now") }, ttl: "1 hour" })
        assert.strictEqual(created.version, 2)
        assert.isTrue(yield* go.exists("ttl/short"))
        // While a live item's expiry is still in the future, Go's create fails.
        assert.strictEqual(
          (yield* Effect.flip(go.atomicPut("ttl/hour", { value: { bytes: utf8("go") }, ttl: "1 hour" }))).name,
          "KeyExists"
        )
      })
    )
  })
}
