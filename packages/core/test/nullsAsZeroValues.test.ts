// Go's NULLs (empty strings, nil slices and maps, empty bytes) read as the zero values a schema expects, and only
// where the schema does not accept null.
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { nullsAsZeroValues } from "../src/internal/nullsAsZeroValues.js"

const Inner = Schema.Struct({ label: Schema.String, weight: Schema.Number })

// A Go struct's fields as a TypeScript schema reads them.
const Sample = Schema.Struct({
  Message: Schema.String,
  count: Schema.Number,
  enabled: Schema.Boolean,
  inner: Inner,
  tags: Schema.Array(Schema.String),
  items: Schema.Array(Inner),
  labels: Schema.Record({ key: Schema.String, value: Schema.String }),
  data: Schema.Uint8ArrayFromSelf,
  note: Schema.NullOr(Schema.String),
  omitted: Schema.optional(Schema.String)
})

/** What the rewritten value decodes to, or the decode error's message. */
const read = <A, I>(schema: Schema.Schema<A, I>, stored: unknown) =>
  Either.mapLeft(Schema.decodeUnknownEither(schema)(nullsAsZeroValues(schema)(stored)), (error) => error.message)

describe("nullsAsZeroValues", () => {
  it("a zero-valued Go struct reads as the schema's zero values; NullOr keeps its null", () => {
    // What Go's MarshalStruct writes for Sample{} (nil slices and maps, "" and empty bytes are NULL).
    const stored = {
      Message: null,
      count: 0,
      enabled: false,
      inner: { label: null, weight: 0 },
      tags: null,
      items: null,
      labels: null,
      data: null,
      note: null,
      omitted: null
    }
    assert.deepStrictEqual(
      read(Sample, stored),
      Either.right({
        Message: "",
        count: 0,
        enabled: false,
        inner: { label: "", weight: 0 },
        tags: [],
        items: [],
        labels: {},
        data: new Uint8Array(0),
        note: null,
        omitted: ""
      })
    )
  })

  it("NULLs inside lists and maps, and a NULL nested struct (a nil pointer) as a struct of zero fields", () => {
    const schema = Schema.Struct({
      tags: Schema.Array(Schema.String),
      labels: Schema.Record({ key: Schema.String, value: Schema.String }),
      inner: Inner
    })
    assert.deepStrictEqual(
      read(schema, { tags: [null, "y"], labels: { a: null, b: "x" }, inner: null }),
      Either.right({ tags: ["", "y"], labels: { a: "", b: "x" }, inner: { label: "", weight: 0 } })
    )
    assert.deepStrictEqual(
      read(Schema.Array(Inner), [{ label: null, weight: 1 }]),
      Either.right([{ label: "", weight: 1 }])
    )
  })

  it("a top-level NULL reads as the zero value of a scalar schema", () => {
    assert.deepStrictEqual(read(Schema.String, null), Either.right(""))
    assert.deepStrictEqual(read(Schema.Number, null), Either.right(0))
    assert.deepStrictEqual(read(Schema.NullOr(Schema.Number), null), Either.right(null))
  })

  it('through transformations, on the encoded side: NumberFromString\'s NULL is "", not a number', () => {
    const schema = Schema.Struct({ n: Schema.NumberFromString, s: Schema.Trim })
    const zeroed = nullsAsZeroValues(schema)({ n: null, s: null })
    assert.deepStrictEqual(zeroed, { n: "", s: "" })
    // "" is what Go stored; NumberFromString still rejects it, with its own message.
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(schema)(zeroed)))
  })

  it("a union takes the zero value of the first member that has one, and keeps null when a member is null", () => {
    assert.deepStrictEqual(read(Schema.Union(Schema.Number, Schema.String), null), Either.right(0))
    assert.deepStrictEqual(
      read(Schema.Struct({ v: Schema.Union(Schema.Null, Schema.String) }), { v: null }),
      Either.right({ v: null })
    )
    const Shape = Schema.Union(
      Schema.Struct({ kind: Schema.Literal("circle"), radius: Schema.Number }),
      Schema.Struct({ kind: Schema.Literal("label"), text: Schema.String })
    )
    assert.deepStrictEqual(
      read(Shape, { kind: "label", text: null }),
      Either.right({ kind: "label" as const, text: "" })
    )
  })

  it("types without a zero value keep null, and the decode fails as before", () => {
    const schema = Schema.Struct({ status: Schema.Literal("queued", "done") })
    const stored = { status: null }
    assert.strictEqual(nullsAsZeroValues(schema)(stored), stored)
    assert.isTrue(Either.isLeft(read(schema, stored)))
    // A nested struct with a required field that has no zero value cannot be made up either.
    const nested = Schema.Struct({ job: Schema.Struct({ status: Schema.Literal("queued") }) })
    assert.isTrue(Either.isLeft(read(nested, { job: null })))
  })

  it("returns the stored value itself when there is nothing to change", () => {
    const stored = { Message: "hi", tags: ["a"], inner: { label: "x", weight: 1 } }
    assert.strictEqual(
      nullsAsZeroValues(Schema.Struct({ Message: Schema.String, tags: Schema.Array(Schema.String), inner: Inner }))(
        stored
      ),
      stored
    )
    const unknown = { anything: null }
    assert.strictEqual(nullsAsZeroValues(Schema.Struct({ anything: Schema.Unknown }))(unknown), unknown)
  })

  it("recursive schemas: nulls at any depth, and no endless zero value for a required recursive field", () => {
    interface Tree {
      readonly name: string
      readonly children: ReadonlyArray<Tree>
    }
    const Tree: Schema.Schema<Tree> = Schema.Struct({
      name: Schema.String,
      children: Schema.Array(Schema.suspend(() => Tree))
    })
    assert.deepStrictEqual(
      read(Tree, { name: "root", children: [{ name: null, children: null }] }),
      Either.right({ name: "root", children: [{ name: "", children: [] }] })
    )
    interface Chain {
      readonly next: Chain
    }
    const Chain: Schema.Schema<Chain> = Schema.Struct({ next: Schema.suspend(() => Chain) })
    assert.isTrue(Either.isLeft(read(Chain, { next: null })))
  })
})
