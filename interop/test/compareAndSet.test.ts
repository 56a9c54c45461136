// Compare-and-set across the two libraries: each side's AtomicPut / AtomicDelete on a version the other side read
// or wrote, and each side's refusal of a stale one.
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Job } from "./support/samples.js"
import { engines, serverLayer, setup, text, utf8 } from "./support/setup.js"

const job = (status: "queued" | "running" | "done", attempts: number) => ({
  struct: "Job" as const,
  value: { status, attempts }
})

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(
    `compare-and-set between Go and dynalock, on ${engine}`,
    (it) => {
      it.scoped(
        "a key Go creates: each side writes on the version the other side wrote, and a stale version loses",
        () =>
          Effect.gen(function* () {
            const { go, partition, store } = yield* setup()
            const jobs = store.forSchema(Job)
            const created = yield* go.atomicPut("cas/job", { value: job("queued", 0), noExpires: true, decode: "Job" })
            assert.strictEqual(created.version, 1)
            // Go's create fails on a live key, like ours.
            assert.strictEqual(
              (yield* Effect.flip(go.atomicPut("cas/job", { value: job("queued", 9), noExpires: true }))).name,
              "KeyExists"
            )
            assert.strictEqual(
              (yield* Effect.flip(jobs.atomicPut("cas/job", { status: "queued", attempts: 9 })))._tag,
              "KeyExists"
            )

            // We compare-and-set on the version Go's write returned.
            const ours = yield* jobs.atomicPut(
              "cas/job",
              { status: "running", attempts: 1 },
              { previous: { partition, key: "cas/job", version: created.version } }
            )
            assert.strictEqual(ours.version, 2)
            // Go's own stale pair loses to our write.
            const stale = yield* Effect.flip(
              go.atomicPut("cas/job", { value: job("done", 1), previous: { version: created.version, expires: 0 } })
            )
            assert.strictEqual(stale.name, "KeyModified")
            // Go compare-and-sets on the version of our write.
            const goWrite = yield* go.atomicPut("cas/job", {
              value: job("done", 2),
              previous: { version: ours.version, expires: 0 },
              decode: "Job"
            })
            assert.strictEqual(goWrite.version, 3)
            assert.deepStrictEqual(goWrite.value, { status: "done", attempts: 2 })

            // Now ours is the stale one, for a put and for a delete.
            assert.strictEqual(
              (yield* Effect.flip(jobs.atomicPut("cas/job", { status: "queued", attempts: 0 }, { previous: ours })))
                ._tag,
              "KeyModified"
            )
            assert.strictEqual((yield* Effect.flip(store.atomicDelete("cas/job", ours)))._tag, "KeyModified")
            const latest = yield* jobs.get("cas/job")
            assert.deepStrictEqual([latest.version, latest.value], [3, { status: "done", attempts: 2 }])
            yield* store.atomicDelete("cas/job", latest)
            assert.strictEqual((yield* Effect.flip(go.get("cas/job"))).name, "KeyNotFound")
          })
      )

      it.scoped("a key we create: Go's AtomicPut and AtomicDelete on our versions", () =>
        Effect.gen(function* () {
          const { go, store } = yield* setup()
          const created = yield* store.atomicPut("cas/bytes", "ours")
          assert.strictEqual(
            (yield* Effect.flip(go.atomicPut("cas/bytes", { value: { bytes: utf8("go") }, noExpires: true }))).name,
            "KeyExists"
          )

          // Go compare-and-sets on the version of its own read of our item.
          const goRead = yield* go.get("cas/bytes")
          assert.strictEqual(goRead.version, created.version)
          const goWrite = yield* go.atomicPut("cas/bytes", {
            value: { bytes: utf8("go") },
            previous: { version: goRead.version, expires: goRead.expires }
          })
          assert.strictEqual(goWrite.version, 2)
          const read = yield* store.get("cas/bytes")
          assert.deepStrictEqual([read.version, text(read.value)], [2, "go"])
          assert.strictEqual(
            (yield* Effect.flip(store.atomicPut("cas/bytes", "late", { previous: created })))._tag,
            "KeyModified"
          )

          // We write again; Go's delete on its now stale version is refused (Go says ErrKeyNotFound), on ours it applies.
          const ours = yield* store.atomicPut("cas/bytes", "ours again", { previous: read })
          assert.strictEqual(
            (yield* Effect.flip(go.atomicDelete("cas/bytes", { version: goWrite.version, expires: 0 }))).name,
            "KeyNotFound"
          )
          assert.strictEqual(text((yield* store.get("cas/bytes")).value), "ours again")
          assert.isTrue(yield* go.atomicDelete("cas/bytes", { version: ours.version, expires: 0 }))
          assert.strictEqual((yield* Effect.flip(store.get("cas/bytes")))._tag, "KeyNotFound")

          // Deleted, the key is free to create again, on either side.
          assert.strictEqual((yield* store.atomicPut("cas/bytes", "new")).version, 1)
          yield* store.delete("cas/bytes")
          assert.strictEqual(
            (yield* go.atomicPut("cas/bytes", { value: { bytes: utf8("new") }, noExpires: true })).version,
            1
          )
        })
      )
    }
  )
}
