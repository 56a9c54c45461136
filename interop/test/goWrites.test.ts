// Items the real Go dynalock writes, read by our KeyValueStore (DynamoStore) on the same table and partition.
import { assert, layer } from "@effect/vitest"
import { DateTime, Effect, Option } from "effect"
import { asGoJson, fullSample, Job, Sample, zeroSample } from "./support/samples.js"
import { engines, serverLayer, setup, text, utf8 } from "./support/setup.js"

for (const engine of engines) {
  layer(serverLayer(engine), { excludeTestServices: true })(`Go writes, dynalock reads, on ${engine}`, (it) => {
    it.scoped("bytes (WriteWithBytes' base64 string), with their versions and expiry", () =>
      Effect.gen(function* () {
        const { go, raw, store } = yield* setup()
        const binary = new Uint8Array([0, 1, 2, 127, 128, 254, 255])
        yield* go.put("bytes/binary", { bytes: binary }, { ttl: "1 hour" })
        yield* go.put("bytes/text", { bytes: utf8("hello from Go") }, { noExpires: true })
        yield* go.put("bytes/empty", { bytes: new Uint8Array(0) }, { noExpires: true })
        yield* go.put("bytes/none", undefined, { noExpires: true })
        // Go stores bytes as a base64 S; we read them as the bytes.
        assert.deepStrictEqual((yield* raw("bytes/text")).payload, { S: "aGVsbG8gZnJvbSBHbw==" })

        const pair = yield* store.get("bytes/binary")
        assert.deepStrictEqual(Array.from(pair.value), Array.from(binary))
        assert.strictEqual(pair.version, 1)
        const goPair = yield* go.get("bytes/binary")
        assert.deepStrictEqual(pair.expires, Option.some(DateTime.unsafeMake(goPair.expires * 1000)))
        assert.strictEqual(text((yield* store.get("bytes/text")).value), "hello from Go")
        assert.isTrue(Option.isNone((yield* store.get("bytes/text")).expires))
        assert.strictEqual((yield* store.get("bytes/empty")).value.length, 0)
        assert.strictEqual((yield* store.get("bytes/none")).value.length, 0)
        assert.isTrue(yield* store.exists("bytes/none"))

        // Every Go write counts a version, as ours do.
        yield* go.put("bytes/text", { bytes: utf8("again") }, { noExpires: true })
        yield* go.put("bytes/text", { bytes: utf8("and again") }, { noExpires: true })
        const updated = yield* store.get("bytes/text")
        assert.strictEqual(updated.version, 3)
        assert.strictEqual(text(updated.value), "and again")
      })
    )

    it.scoped("a struct with every kind of field (MarshalStruct), through forSchema", () =>
      Effect.gen(function* () {
        const { go, store } = yield* setup()
        yield* go.put("struct/full", { struct: "Sample", value: asGoJson(fullSample) }, { noExpires: true })
        const read = yield* store.forSchema(Sample).get("struct/full")
        assert.deepStrictEqual(read.value, fullSample)
        assert.strictEqual(read.version, 1)
        // Go reads its own write back the same, so both sides agree on the value.
        assert.deepStrictEqual((yield* go.get("struct/full", "Sample")).value, asGoJson(fullSample))

        yield* go.put("struct/job", { struct: "Job", value: { status: "running", attempts: 2 } }, { noExpires: true })
        assert.deepStrictEqual((yield* store.forSchema(Job).get("struct/job")).value, {
          status: "running",
          attempts: 2
        })
      })
    )

    it.scoped('a zero-valued struct: Go\'s NULLs for empty strings, nil slices and maps read as "", 0, [], {}', () =>
      Effect.gen(function* () {
        const { go, raw, store } = yield* setup()
        yield* go.put("struct/zero", { struct: "Sample", value: {} }, { noExpires: true })
        const stored = (yield* raw("struct/zero")).payload?.M
        assert.deepStrictEqual(stored?.Message, { NULL: true })
        assert.deepStrictEqual(stored?.tags, { NULL: true })
        assert.deepStrictEqual(stored?.inner, { M: { label: { NULL: true }, weight: { N: "0" } } })
        assert.deepStrictEqual((yield* store.forSchema(Sample).get("struct/zero")).value, zeroSample)

        // Empty strings inside lists, maps and nested structs are NULL too.
        const partial = {
          ...asGoJson(fullSample),
          Message: "",
          tags: ["", "x"],
          labels: { empty: "", full: "y" },
          items: [{ label: "", weight: 1 }]
        }
        yield* go.put("struct/partial", { struct: "Sample", value: partial }, { noExpires: true })
        assert.deepStrictEqual((yield* store.forSchema(Sample).get("struct/partial")).value, {
          ...fullSample,
          Message: "",
          tags: ["", "x"],
          labels: { empty: "", full: "y" },
          items: [{ label: "", weight: 1 }]
        })
      })
    )

    it.scoped("list and delete", () =>
      Effect.gen(function* () {
        const { go, store } = yield* setup()
        yield* go.put("jobs/1", { struct: "Job", value: { status: "queued", attempts: 0 } }, { noExpires: true })
        yield* go.put("jobs/2", { struct: "Job", value: { status: "done", attempts: 3 } }, { noExpires: true })
        yield* go.put("jobs/2", { struct: "Job", value: { status: "done", attempts: 4 } }, { noExpires: true })
        yield* go.put("other/1", { bytes: utf8("not a job") }, { noExpires: true })

        const jobs = yield* store.forSchema(Job).list("jobs/")
        assert.deepStrictEqual(
          jobs.map((pair) => [pair.key, pair.version, pair.value]),
          [
            ["jobs/1", 1, { status: "queued", attempts: 0 }],
            ["jobs/2", 2, { status: "done", attempts: 4 }]
          ]
        )
        assert.deepStrictEqual(
          (yield* store.list("")).map((pair) => pair.key),
          ["jobs/1", "jobs/2", "other/1"]
        )

        yield* go.delete("jobs/1")
        assert.deepStrictEqual(
          (yield* store.list("jobs/")).map((pair) => pair.key),
          ["jobs/2"]
        )
        assert.strictEqual((yield* Effect.flip(store.get("jobs/1")))._tag, "KeyNotFound")
        assert.isFalse(yield* store.exists("jobs/1"))
      })
    )
  })
}
