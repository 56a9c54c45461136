/**
 * dynalock's own attribute-value codec against the AWS SDK's (`@aws-sdk/util-dynamodb`, a dev dependency here only):
 * for every value the storage contract carries, and every attribute DynamoDB may return, both give the same result
 * with the options dynalock used to pass to the SDK's.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import * as Sdk from "@aws-sdk/util-dynamodb"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { marshall, unmarshall } from "../src/internal/attributeValue.js"
import type { NativeAttributeValue } from "../src/internal/attributeValue.js"

const sdkMarshall = (values: Record<string, NativeAttributeValue>) =>
  Sdk.marshall(values, { removeUndefinedValues: true, allowImpreciseNumbers: true })

// The SDK reads sets as Sets; the storage contract's values have none, and dynalock read them as lists.
const setsAsLists = (value: unknown): unknown => {
  if (value instanceof Set) return Array.from(value, setsAsLists)
  if (Array.isArray(value)) return value.map(setsAsLists)
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).map(([name, element]) => [name, setsAsLists(element)]))
}
const sdkUnmarshall = (item: Record<string, AttributeValue>) => setsAsLists(Sdk.unmarshall(item, { wrapNumbers: Number }))

const key = fc.string({ maxLength: 6 }).filter((name) => name !== "__proto__")
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(2 ** 53 + 2, -(2 ** 60), 1e21, 1e-7, 0.1, -0)
)
const bytes = fc.uint8Array({ maxLength: 8 })

const { value: nativeValue } = fc.letrec<{ value: NativeAttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    number,
    fc.string({ maxLength: 8 }),
    bytes,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 })
  )
}))

const numberText = number.map(String)
const { attribute } = fc.letrec<{ attribute: AttributeValue }>((tie) => ({
  attribute: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ maxLength: 8 }).map((S): AttributeValue => ({ S })),
    numberText.map((N): AttributeValue => ({ N })),
    bytes.map((B): AttributeValue => ({ B })),
    fc.boolean().map((BOOL): AttributeValue => ({ BOOL })),
    fc.constant<AttributeValue>({ NULL: true }),
    fc.uniqueArray(fc.string({ maxLength: 4 }), { minLength: 1, maxLength: 4 }).map((SS): AttributeValue => ({ SS })),
    fc.uniqueArray(numberText, { minLength: 1, maxLength: 4 }).map((NS): AttributeValue => ({ NS })),
    fc.array(bytes, { minLength: 1, maxLength: 3 }).map((BS): AttributeValue => ({ BS })),
    fc.array(tie("attribute"), { maxLength: 4 }).map((L): AttributeValue => ({ L })),
    fc.dictionary(key, tie("attribute"), { maxKeys: 4 }).map((M): AttributeValue => ({ M }))
  )
}))

describe("attribute values", () => {
  it("marshall gives the SDK's attributes for every value the storage contract carries", () => {
    fc.assert(
      fc.property(fc.dictionary(key, nativeValue, { maxKeys: 5 }), (values) => {
        assert.deepStrictEqual(marshall(values), sdkMarshall(values))
      }),
      { numRuns: 500 }
    )
  })

  it("unmarshall reads every attribute as the SDK does, sets as lists and numbers as JavaScript numbers", () => {
    fc.assert(
      fc.property(fc.dictionary(key, attribute, { maxKeys: 5 }), (item) => {
        assert.deepStrictEqual(unmarshall(item), sdkUnmarshall(item))
      }),
      { numRuns: 500 }
    )
  })

  it("a value outside the storage contract throws (the storage reports it as a StoreError): NaN and infinities as in the SDK, and, stricter, class instances and functions", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, new Date(0), new Map(), () => 1]) {
      assert.throws(() => marshall({ bad: bad as unknown as NativeAttributeValue }))
    }
    assert.throws(() => sdkMarshall({ bad: Number.NaN }))
  })

  it("a field named __proto__ stays an own field both ways", () => {
    const values = JSON.parse(`{"__proto__": {"a": 1}}`) as Record<string, NativeAttributeValue>
    const attributes = marshall(values)
    assert.deepStrictEqual(Object.keys(attributes), ["__proto__"])
    assert.deepStrictEqual(Object.keys(unmarshall(attributes)), ["__proto__"])
    assert.strictEqual(Object.getPrototypeOf(unmarshall(attributes)), Object.prototype)
  })
})
