// Items our KeyValueStore (DynamoStore) writes, read by the real Go dynalock on the same table and partition.
import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Encoding, Option } from "effect"
import { asGoJson, fullSample, Job, Sample, zeroSample } from "./support/samples.js"
import { engines, serverLayer, setup, utf8 } from "./support/setup.js"

const base64 = (bytes: Uint8Array) => Encoding.encodeBase64(bytes)

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(`dynalock writes, Go reads, on ${engine}`, (it) => {
    it.scoped("bytes (a B attribute), with their versions and expiry", () =>
      Effect.gen(function* () {
        const { go, store } = yield* setup()
        const binary = new Uint8Array([0, 1, 2, 127, 128, 254, 255])
        const written = yield* store.put("bytes/binary", binary, { ttl: "1 hour" })
        yield* store.put("bytes/text", "hello from Effect")
        yield* store.put("bytes/empty", "")

        const pair = yield* go.get("bytes/binary")
        assert.strictEqual(pair.bytes, base64(binary))
        assert.strictEqual(pair.version, 1)
        // Go reads whole seconds: ours, rounded up.
        const expiresMs = DateTime.toEpochMillis(Option.getOrThrow(written.expires))
        assert.strictEqual(pair.expires, Math.ceil(expiresMs / 1000))

        const textPair = yield* go.get("bytes/text")
        assert.strictEqual(textPair.bytes, base64(utf8("hello from Effect")))
        assert.strictEqual(textPair.expires, 0)
        // An empty value is no payload attribute at all; Go sees the item, without a value.
        const empty = yield* go.get("bytes/empty")
        assert.isNull(empty.attribute)
        assert.isTrue(yield* go.exists("bytes/empty"))

        yield* store.put("bytes/text", "again")
        yield* store.put("bytes/text", "and again")
        const updated = yield* go.get("bytes/text")
        assert.strictEqual(updated.version, 3)
        assert.strictEqual(updated.bytes, base64(utf8("and again")))
      })
    )

    it.scoped("a schema value with every kind of field, through Go's UnmarshalStruct", () =>
      Effect.gen(function* () {
        const { go, store } = yield* setup()
        yield* store.forSchema(Sample).put("struct/full", fullSample)
        const pair = yield* go.get("struct/full", "Sample")
        assert.isUndefined(pair.decodeError)
        assert.deepStrictEqual(pair.value, asGoJson(fullSample))
        assert.strictEqual(pair.version, 1)

        yield* store.forSchema(Job).put("struct/job", { status: "done", attempts: 5 })
        assert.deepStrictEqual((yield* go.get("struct/job", "Job")).value, { status: "done", attempts: 5 })
      })
    )

    it.scoped("empty strings, lists and maps, and a null, as Go's zero values", () =>
      Effect.gen(function* () {
        const { go, store } = yield* setup()
        yield* store.forSchema(Sample).put("struct/zero", zeroSample)
        const pair = yield* go.get("struct/zero", "Sample")
        assert.isUndefined(pair.decodeError)
        // Our empty lists, maps and bytes are Go's empty (not nil) slices and maps; our null is a nil pointer.
        assert.deepStrictEqual(pair.value, {
          Message: "",
          count: 0,
          big: 0,
          ratio: 0,
          enabled: false,
          inner: { label: "", weight: 0 },
          tags: [],
          scores: [],
          items: [],
          labels: {},
          counts: {},
          data: "",
          note: null
        })
      })
    )

    it.scoped("list and delete", () =>
      Effect.gen(function* () {
        const { go, store } = yield* setup()
        const jobs = store.forSchema(Job)
        yield* jobs.put("jobs/1", { status: "queued", attempts: 0 })
        yield* jobs.put("jobs/2", { status: "done", attempts: 3 })
        yield* jobs.put("jobs/2", { status: "done", attempts: 4 })
        yield* store.put("other/1", "not a job")

        const listed = yield* go.list("jobs/", "Job")
        assert.deepStrictEqual(
          listed.map((pair) => [pair.key, pair.version, pair.value]),
          [
            ["jobs/1", 1, { status: "queued", attempts: 0 }],
            ["jobs/2", 2, { status: "done", attempts: 4 }]
          ]
        )
        // (Go's List("") is a begins_with on an empty string, which DynamoDB rejects: a prefix it is.)
        assert.deepStrictEqual(
          (yield* go.list("other/")).map((pair) => [pair.key, pair.bytes]),
          [["other/1", base64(utf8("not a job"))]]
        )

        yield* store.delete("jobs/1")
        assert.deepStrictEqual(
          (yield* go.list("jobs/")).map((pair) => pair.key),
          ["jobs/2"]
        )
        assert.strictEqual((yield* Effect.flip(go.get("jobs/1"))).name, "KeyNotFound")
        assert.isFalse(yield* go.exists("jobs/1"))
        // Go's List of nothing is ErrKeyNotFound, where ours is an empty list.
        yield* store.delete("jobs/2")
        assert.strictEqual((yield* Effect.flip(go.list("jobs/"))).name, "KeyNotFound")
        assert.deepStrictEqual(yield* store.list("jobs/"), [])
      })
    )
  })
}
