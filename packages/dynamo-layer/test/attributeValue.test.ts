/**
 * dynalock's own attribute-value codec against the AWS SDK's (`@aws-sdk/util-dynamodb`, a dev dependency here only):
 * for every value the storage contract carries, and every attribute DynamoDB may return, both give the same result
 * with the options dynalock used to pass to the SDK's.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import * as Sdk from "@aws-sdk/util-dynamodb"
import { assert, describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { fromAttribute, toAttribute } from "../src/internal/attributeValue.js"
import type { NativeAttributeValue } from "../src/internal/attributeValue.js"

const sdkMarshall = (value: NativeAttributeValue) =>
  Sdk.marshall({ value }, { removeUndefinedValues: true, allowImpreciseNumbers: true }).value

// The SDK reads sets as Sets; the storage contract's values have none, and dynalock read them as lists.
const setsAsLists = (value: unknown): unknown => {
  if (value instanceof Set) return Array.from(value, setsAsLists)
  if (Array.isArray(value)) return value.map(setsAsLists)
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return value
  return Object.fromEntries(Object.entries(value).map(([name, element]) => [name, setsAsLists(element)]))
}
const sdkUnmarshall = (value: AttributeValue) => setsAsLists(Sdk.unmarshall({ value }, { wrapNumbers: Number }).value)

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
  it("toAttribute gives the SDK's attribute for every value the storage contract carries", () => {
    fc.assert(
      fc.property(
        nativeValue.filter((value) => value !== undefined),
        (value) => {
          assert.deepStrictEqual(toAttribute(value), sdkMarshall(value))
        }
      ),
      { numRuns: 500 }
    )
  })

  it("fromAttribute reads every attribute as the SDK does, sets as lists and numbers as JavaScript numbers", () => {
    fc.assert(
      fc.property(attribute, (value) => {
        assert.deepStrictEqual(fromAttribute(value), sdkUnmarshall(value))
      }),
      { numRuns: 500 }
    )
  })

  it("a value outside the storage contract throws (the storage reports it as a StoreError): NaN and infinities as in the SDK, and, stricter, class instances and functions", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, new Date(0), new Map(), () => 1]) {
      const value = bad as unknown as NativeAttributeValue
      assert.throws(() => toAttribute(value))
      assert.throws(() => toAttribute({ inside: [1, value] }))
    }
    assert.throws(() => sdkMarshall(Number.NaN))
  })

  it("undefined is no attribute value on its own, and is left out of maps and lists", () => {
    assert.throws(() => toAttribute(undefined), /undefined/)
    assert.deepStrictEqual(toAttribute({ gone: undefined, list: [undefined, 1] }), { M: { list: { L: [{ N: "1" }] } } })
  })

  it("a field named __proto__ stays an own field both ways", () => {
    const value = JSON.parse(`{"__proto__": {"a": 1}}`) as NativeAttributeValue
    const attribute = toAttribute(value)
    assert.deepStrictEqual(Object.keys(attribute.M ?? {}), ["__proto__"])
    const back = fromAttribute(attribute) as object
    assert.deepStrictEqual(Object.keys(back), ["__proto__"])
    assert.strictEqual(Object.getPrototypeOf(back), Object.prototype)
  })
})
