// Expiry both ways. Go writes and compares `expires` in whole seconds of its clock; we write it rounded up next to
// the precise `expiresMs`. Waits are for Go's second boundaries, computed from what was stored (at most ~2 s).
import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Option } from "effect"
import { engines, goText, serverLayer, setup, untilPast, utf8 } from "./support/setup.js"

const seconds = (attribute: { readonly N?: string | undefined } | undefined): number => Number(attribute?.N)

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
        assert.deepStrictEqual(hour.expires, Option.some(DateTime.unsafeMake((yield* go.get("ttl/hour")).expires * 1000)))
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
        assert.deepStrictEqual((yield* store.list("ttl/")).map((pair) => pair.key), ["ttl/default", "ttl/hour", "ttl/none"])
        assert.strictEqual((yield* Effect.flip(go.get("ttl/passed"))).name, "KeyNotFound")

        // A key Go let expire is ours to create, without a previous version; Go then sees our item.
        const created = yield* store.atomicPut("ttl/passed", "ours now")
        assert.strictEqual(created.version, 2)
        const seen = yield* go.get("ttl/passed")
        assert.deepStrictEqual([seen.version, seen.expires, goText(seen)], [2, 0, "ours now"])
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
        assert.deepStrictEqual((yield* go.list("ttl/")).map((pair) => pair.key), ["ttl/hour", "ttl/none"])

        // Go's create condition is `expires < now` in whole seconds: one more second and the key is Go's to create.
        yield* untilPast((shortSeconds + 1) * 1000)
        const created = yield* go.atomicPut("ttl/short", { value: { bytes: utf8("go's now") }, ttl: "1 hour" })
        assert.strictEqual(created.version, 2)
        assert.isTrue(yield* go.exists("ttl/short"))
        // While a live item's expiry is still in the future, Go's create fails.
        assert.strictEqual((yield* Effect.flip(go.atomicPut("ttl/hour", { value: { bytes: utf8("go") }, ttl: "1 hour" }))).name, "KeyExists")
      })
    )
  })
}
