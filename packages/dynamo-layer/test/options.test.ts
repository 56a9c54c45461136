/**
 * Bad options and missing configuration: every operation fails with a typed error that says what to change
 * (InvalidInput for an unusable table or partition name, StoreError reason "Configuration" for the rest), never a
 * defect and never a request that cannot succeed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { fakeDynamo } from "./support/fakeDynamo.js"

const local = { region: "local", credentials: { accessKeyId: "local", secretAccessKey: "local" } } as const

/** Every operation of both services, run; each must fail with a typed error (no defect). */
const everyOperation = (options: DynamoStore.DynamoStoreOptions, only: "all" | "locks" = "all") =>
  Effect.gen(function* () {
    const { locker, store } = yield* DynamoStore.make(options)
    type Failing = Effect.Effect<unknown, { readonly _tag: string; readonly message: string; readonly reason?: string }>
    const locks: ReadonlyArray<readonly [string, Failing]> = [
      ["acquire", Effect.scoped(locker.acquire("k"))],
      ["tryAcquire", Effect.scoped(locker.tryAcquire("k"))]
    ]
    const kv: ReadonlyArray<readonly [string, Failing]> = [
      ["get", store.get("k")],
      ["put", store.put("k", "v")],
      ["list", store.list("")]
    ]
    const operations = only === "locks" ? locks : [...kv, ...locks]
    const failures: Array<{
      readonly name: string
      readonly tag: string
      readonly reason?: string
      readonly message: string
    }> = []
    for (const [name, operation] of operations) {
      assert.isTrue(Exit.isFailure(yield* Effect.exit(operation)), `${name} must fail`)
      const error = yield* Effect.flip(operation).pipe(
        Effect.catchAllDefect((defect) => Effect.succeed({ _tag: "Defect", message: String(defect) }))
      )
      failures.push({
        name,
        tag: error._tag,
        message: error.message,
        ...("reason" in error && error.reason !== undefined ? { reason: error.reason } : {})
      })
    }
    return failures
  })

describe("DynamoStore options", () => {
  it.scopedLive("each unusable option fails every operation with StoreError(Configuration) naming it", () =>
    Effect.gen(function* () {
      // Nothing answers here: no bad option may get as far as a request.
      const fake = yield* fakeDynamo(() => ({ _tag: "Hang" }))
      const base = { tableName: "t", partition: "p", client: fake.clientConfig }
      const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
        ["retry: a string", { retry: "fast" }, "retry"],
        ["retry: a number", { retry: 3 }, "retry"],
        ["requestTimeout: negative", { requestTimeout: -1 }, "requestTimeout"],
        ["requestTimeout: zero", { requestTimeout: 0 }, "requestTimeout"],
        ["requestTimeout: NaN", { requestTimeout: Number.NaN }, "requestTimeout"],
        ["requestTimeout: infinite", { requestTimeout: Number.POSITIVE_INFINITY }, "requestTimeout"],
        ["requestTimeout: unparsable", { requestTimeout: "soonish" }, "requestTimeout"],
        ["client: a number", { client: 42 }, "client"],
        ["client: a string", { client: "http://127.0.0.1:8000" }, "client"]
      ]
      for (const [label, bad, named] of cases) {
        const failures = yield* everyOperation({ ...base, ...bad } as unknown as DynamoStore.DynamoStoreOptions)
        for (const failure of failures) {
          assert.strictEqual(failure.tag, "StoreError", `${label}: ${failure.name}: ${failure.message}`)
          assert.strictEqual(failure.reason, "Configuration", `${label}: ${failure.name}`)
          assert.include(failure.message, named, `${label}: ${failure.name}`)
        }
      }
      assert.deepStrictEqual(fake.requests, [], "no request was sent")
    })
  )

  it.scopedLive("an unusable table name, partition or lock setting is InvalidInput on every operation", () =>
    Effect.gen(function* () {
      const fake = yield* fakeDynamo(() => ({ _tag: "Hang" }))
      const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
        ["an empty table name", { tableName: "", partition: "p" }],
        ["a table name that is not a string", { tableName: 7, partition: "p" }],
        ["an empty partition", { tableName: "t", partition: "" }],
        ["a negative maxClockSkew", { tableName: "t", partition: "p", lock: { maxClockSkew: -1 } }]
      ]
      for (const [label, options] of cases) {
        // A lock setting concerns the locker only: the store's own operations would go on to the (hanging) server.
        const failures = yield* everyOperation(
          { client: fake.clientConfig, ...options } as unknown as DynamoStore.DynamoStoreOptions,
          label.includes("maxClockSkew") ? "locks" : "all"
        )
        for (const failure of failures)
          assert.strictEqual(failure.tag, "InvalidInput", `${label}: ${failure.name}: ${failure.message}`)
      }
    })
  )

  describe("configuration the AWS environment must give", () => {
    // No instance metadata (never any address but loopback), no shared files, no environment credentials.
    const isolated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        Effect.sync(() => {
          const saved = { ...process.env }
          for (const name of [
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE"
          ]) {
            delete process.env[name]
          }
          process.env.AWS_EC2_METADATA_DISABLED = "true"
          process.env.AWS_CONFIG_FILE = "/nonexistent/dynalock-test/config"
          process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/dynalock-test/credentials"
          return saved
        }),
        () => effect,
        (saved) =>
          Effect.sync(() => {
            process.env = saved
          })
      )

    const configurationFailure = (client: DynamoDBClientConfig) =>
      isolated(
        Effect.gen(function* () {
          const { locker, store } = yield* DynamoStore.make({ tableName: "t", partition: "p", client })
          const read = yield* Effect.flip(store.get("k"))
          const lock = yield* Effect.flip(Effect.scoped(locker.acquire("k")))
          assert.strictEqual(read._tag, "StoreError")
          assert.strictEqual(lock._tag, "StoreError")
          return { read, lock }
        })
      )

    it.scopedLive("no region: Configuration, saying to set AWS_REGION", () =>
      Effect.gen(function* () {
        const fake = yield* fakeDynamo(() => ({ _tag: "Hang" }))
        const { lock, read } = yield* configurationFailure({
          endpoint: fake.clientConfig.endpoint as string,
          credentials: local.credentials
        })
        for (const error of [read, lock]) {
          assert.strictEqual(error._tag === "StoreError" && error.reason, "Configuration")
          assert.include(error.message, "AWS_REGION")
        }
        assert.deepStrictEqual(fake.requests, [])
      })
    )

    it.scopedLive("no credentials: Configuration, saying which to set", () =>
      Effect.gen(function* () {
        const fake = yield* fakeDynamo(() => ({ _tag: "Hang" }))
        const { lock, read } = yield* configurationFailure({
          endpoint: fake.clientConfig.endpoint as string,
          region: "us-east-1"
        })
        for (const error of [read, lock]) {
          assert.strictEqual(error._tag === "StoreError" && error.reason, "Configuration")
          assert.include(error.message, "AWS_ACCESS_KEY_ID")
        }
        assert.deepStrictEqual(fake.requests, [])
      })
    )

    it.scopedLive("an endpoint that is not a URL: Configuration, saying how to set one", () =>
      Effect.gen(function* () {
        const { lock, read } = yield* configurationFailure({ ...local, endpoint: "not a url" })
        for (const error of [read, lock]) {
          assert.strictEqual(error._tag === "StoreError" && error.reason, "Configuration")
          assert.include(error.message, "endpoint")
        }
      })
    )
  })
})
