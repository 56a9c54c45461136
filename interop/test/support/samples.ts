/**
 * The TypeScript side of the driver's Go structs (interop/go/driver/samples.go): schemas that read what Go's
 * MarshalStruct writes, and values in both shapes (ours, and the JSON the driver takes and gives).
 */
import { Encoding, Schema } from "effect"

export const Inner = Schema.Struct({ label: Schema.String, weight: Schema.Number })

/** Go's `Sample`. */
export const Sample = Schema.Struct({
  Message: Schema.String,
  count: Schema.Number,
  big: Schema.Number,
  ratio: Schema.Number,
  enabled: Schema.Boolean,
  inner: Inner,
  tags: Schema.Array(Schema.String),
  scores: Schema.Array(Schema.Number),
  items: Schema.Array(Inner),
  labels: Schema.Record({ key: Schema.String, value: Schema.String }),
  counts: Schema.Record({ key: Schema.String, value: Schema.Number }),
  data: Schema.Uint8ArrayFromSelf,
  // A *string: nil is NULL.
  note: Schema.NullOr(Schema.String),
  // `omitempty`: absent when empty.
  omitted: Schema.optional(Schema.String)
})
export type Sample = typeof Sample.Type

/** Go's `Job`, the README's example. */
export const Job = Schema.Struct({ status: Schema.Literal("queued", "running", "done"), attempts: Schema.Number })

/** Every field set, with values that each side could get wrong: non-ASCII text, 2^53 - 1, a fraction, bytes. */
export const fullSample: Sample = {
  Message: "héllo, 世界 🌍",
  count: -42,
  big: Number.MAX_SAFE_INTEGER,
  ratio: 0.125,
  enabled: true,
  inner: { label: "inner", weight: 2.5 },
  tags: ["a", "b", "c"],
  scores: [3, 1, 2],
  items: [
    { label: "x", weight: 1 },
    { label: "y", weight: -0.5 }
  ],
  labels: { env: "prod", team: "core" },
  counts: { ok: 7, failed: 0 },
  data: new Uint8Array([0, 1, 2, 254, 255]),
  note: "a note",
  omitted: "present"
}

/** A sample as Go's encoding/json sees it (the driver's input and output): bytes in base64. */
export const asGoJson = (sample: Sample): Record<string, unknown> => ({
  ...sample,
  data: Encoding.encodeBase64(sample.data)
})

/** Go's zero Sample, `Sample{}`, as our schema reads it: "" and 0, empty lists and maps, no bytes, a null note. */
export const zeroSample: Sample = {
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
  data: new Uint8Array(0),
  note: null
}
