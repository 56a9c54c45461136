/** Every method of the platform's `KeyValueStore` on the adapter: the platform's own test cases and the rest. */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { assert, describe } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { assertBytes, failsWith, patternBytes, utf8 } from "../suite/assertions.js"
import type { PlatformSuiteContext } from "./context.js"

class User extends Schema.Class<User>("User")({ name: Schema.String, age: Schema.Number }) {}

/** The value of a `some`, or a test failure. */
export const someValue = <A>(option: Option.Option<A>, what: string): A => {
  if (Option.isNone(option)) return assert.fail(`${what}: expected some, got none`)
  return option.value
}

export const platformMethodTests = <R>({ freshKv, test, backend }: PlatformSuiteContext<R>): void => {
  describe("the platform's methods", () => {
    test("set, then get and size", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("/foo/bar", "bar")
        assert.deepStrictEqual(yield* kv.get("/foo/bar"), Option.some("bar"))
        assert.strictEqual(yield* kv.size, 1)
      }))

    test("get of a missing key is none, and creates nothing", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        assert.isTrue(Option.isNone(yield* kv.get("foo")))
        assert.isTrue(Option.isNone(yield* kv.getUint8Array("foo")))
        assert.strictEqual(yield* kv.size, 0)
      }))

    test("remove: the value is gone, the size drops, and removing a missing key succeeds", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("foo", "bar")
        yield* kv.set("other", "kept")
        yield* kv.remove("foo")
        assert.isTrue(Option.isNone(yield* kv.get("foo")))
        assert.strictEqual(yield* kv.size, 1)
        yield* kv.remove("foo")
        yield* kv.remove("never-set")
        assert.deepStrictEqual(yield* kv.get("other"), Option.some("kept"))
      }))

    test("has and isEmpty follow set and remove", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        assert.isTrue(yield* kv.isEmpty)
        assert.isFalse(yield* kv.has("foo"))
        yield* kv.set("foo", "")
        // An empty value is still an entry.
        assert.isTrue(yield* kv.has("foo"))
        assert.isFalse(yield* kv.isEmpty)
        yield* kv.remove("foo")
        assert.isFalse(yield* kv.has("foo"))
        assert.isTrue(yield* kv.isEmpty)
      }))

    test("clear removes every entry", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        for (let i = 0; i < 25; i++) yield* kv.set(`key/${i}`, `value ${i}`)
        assert.strictEqual(yield* kv.size, 25)
        yield* kv.clear
        assert.strictEqual(yield* kv.size, 0)
        assert.isTrue(yield* kv.isEmpty)
        assert.isTrue(Option.isNone(yield* kv.get("key/3")))
        // Still usable afterwards.
        yield* kv.set("key/3", "again")
        assert.strictEqual(yield* kv.size, 1)
      }))

    test(
      "size and clear read every page (more than 1 MB of values)",
      () =>
        Effect.gen(function* () {
          const { kv } = yield* freshKv
          const large = patternBytes(300 * 1024)
          for (let i = 0; i < 4; i++) yield* kv.set(`large/${i}`, large)
          for (let i = 0; i < 3; i++) yield* kv.set(`small/${i}`, "s")
          assert.strictEqual(yield* kv.size, 7)
          assertBytes(someValue(yield* kv.getUint8Array("large/2"), "large/2"), large)
          yield* kv.clear
          assert.strictEqual(yield* kv.size, 0)
          assert.isTrue(yield* kv.isEmpty)
        }),
      backend.time === "live" ? 60_000 : undefined
    )

    test("modify applies the function to the stored string and returns the new value", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("foo", "bar")
        assert.deepStrictEqual(yield* kv.modify("foo", (v) => v + "bar"), Option.some("barbar"))
        assert.deepStrictEqual(yield* kv.get("foo"), Option.some("barbar"))
        assert.strictEqual(yield* kv.size, 1)
      }))

    test("modify of a missing key is none and creates nothing", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        let called = false
        const result = yield* kv.modify("foo", (v) => {
          called = true
          return v + "bar"
        })
        assert.isTrue(Option.isNone(result))
        assert.isFalse(called)
        assert.strictEqual(yield* kv.size, 0)
        assert.isTrue(Option.isNone(yield* kv.modifyUint8Array("foo", (v) => v)))
        assert.strictEqual(yield* kv.size, 0)
      }))

    test("modifyUint8Array applies the function to the stored bytes", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("bytes", Uint8Array.from([1, 2, 3]))
        const result = yield* kv.modifyUint8Array("bytes", (v) => Uint8Array.from(v).reverse())
        assertBytes(someValue(result, "modifyUint8Array"), Uint8Array.from([3, 2, 1]))
        assertBytes(someValue(yield* kv.getUint8Array("bytes"), "bytes"), Uint8Array.from([3, 2, 1]))
        // A string value is handed over as its UTF-8 bytes, and the result is stored as bytes.
        yield* kv.set("text", "hé")
        const appended = yield* kv.modifyUint8Array("text", (v) => Uint8Array.from([...v, 0x21]))
        assertBytes(someValue(appended, "text"), utf8("hé!"))
        assert.deepStrictEqual(yield* kv.get("text"), Option.some(Buffer.from(utf8("hé!")).toString("base64")))
      }))

    test("KeyValueStore.prefix over the adapter prefixes the keys", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        const prefixed = KeyValueStore.prefix(kv, "prefix/")
        yield* prefixed.set("foo", "bar")
        yield* prefixed.modify("foo", (v) => v + "bar")
        assert.deepStrictEqual(yield* prefixed.get("foo"), Option.some("barbar"))
        assert.isTrue(yield* prefixed.has("foo"))
        assert.deepStrictEqual(yield* kv.get("prefix/foo"), Option.some("barbar"))
        assert.isTrue(yield* kv.has("prefix/foo"))
        assert.isFalse(yield* kv.has("foo"))
        yield* prefixed.remove("foo")
        assert.isFalse(yield* kv.has("prefix/foo"))
      }))

    test("forSchema encodes and decodes, modify included, also under a prefix", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        const users = kv.forSchema(User)
        yield* users.set("foo", new User({ name: "foo", age: 42 }))
        yield* users.modify("foo", (user) => new User({ ...user, age: 43 }))
        const user = someValue(yield* users.get("foo"), "foo")
        assert.instanceOf(user, User)
        assert.strictEqual(user.name, "foo")
        assert.strictEqual(user.age, 43)
        // Stored as the JSON of the encoded value, as the platform's schema store writes it.
        assert.deepStrictEqual(JSON.parse(someValue(yield* kv.get("foo"), "raw foo")), { name: "foo", age: 43 })

        const prefixed = KeyValueStore.prefix(users, "prefix/")
        yield* prefixed.set("bar", new User({ name: "bar", age: 7 }))
        assert.strictEqual(someValue(yield* users.get("prefix/bar"), "prefix/bar").age, 7)
        assert.isTrue(yield* users.has("prefix/bar"))
        assert.strictEqual(yield* users.size, 2)
      }))

    test("forSchema of a value that is not the schema's JSON fails with a ParseError", () =>
      Effect.gen(function* () {
        const { kv } = yield* freshKv
        yield* kv.set("not-json", "{ nope")
        yield* kv.set("wrong-shape", JSON.stringify({ name: 1 }))
        const users = kv.forSchema(User)
        yield* failsWith(users.get("not-json"), "ParseError")
        yield* failsWith(users.get("wrong-shape"), "ParseError")
      }))
  })
}
