import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Option, Schedule } from "effect"
import type { Scope } from "effect"
import type { StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { freshPartition, storageOn } from "./support/dynamo.js"
import { error, fakeDynamo } from "./support/fakeDynamo.js"
import type { Reply } from "./support/fakeDynamo.js"

// Three retries, no waiting: the counts below are 1 + 3 where a retry is allowed.
const threeRetries = Schedule.recurs(3)

const storeError = <A, E>(effect: Effect.Effect<A, E | StoreError>) =>
  Effect.map(Effect.either(effect), (result) => {
    assert.isTrue(Either.isLeft(result), "expected a failure")
    const failure = (result as Either.Left<E | StoreError, A>).left as StoreError
    assert.strictEqual(failure._tag, "StoreError")
    return failure
  })

const scripted = (reply: (operation: string, attempt: number) => Reply) =>
  Effect.gen(function* () {
    const fake = yield* fakeDynamo(reply)
    const storage = yield* storageOn(fake, "p", { retry: threeRetries, timeout: "100 millis" })
    return { fake, storage }
  })

const update = { key: "k", condition: { _tag: "VersionIs", version: 1 }, expiresAt: Option.none() } as const

describe("error mapping", () => {
  it.scopedLive("a missing table is TableNotFound, naming the table", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const { locker, store } = yield* DynamoStore.make({
        tableName: "no-such-table",
        partition: freshPartition(),
        client: server.clientConfig
      })
      const requests: ReadonlyArray<Effect.Effect<unknown, unknown, Scope.Scope>> = [
        store.get("k"),
        store.put("k", "v"),
        store.list(""),
        locker.tryAcquire("lock")
      ]
      for (const failing of requests) {
        const failure = yield* storeError(Effect.scoped(failing))
        assert.strictEqual(failure.reason, "TableNotFound")
        assert.include(failure.message, "no-such-table")
      }
    })
  )

  it.scopedLive("a request DynamoDB refuses as invalid is Validation", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      // Core rejects an empty key before any request; the storage contract alone does not.
      const storage = yield* storageOn(server, freshPartition())
      const failure = yield* storeError(storage.get("", true))
      assert.strictEqual(failure.reason, "Validation")
      assert.include(failure.message, "ValidationException")
    })
  )

  it.scopedLive("throttling is retried, for reads and writes alike, then Throttled", () =>
    Effect.gen(function* () {
      const { fake, storage } = yield* scripted(() => error(400, "ProvisionedThroughputExceededException"))
      assert.strictEqual((yield* storeError(storage.get("k", true))).reason, "Throttled")
      assert.strictEqual((yield* storeError(storage.update(update))).reason, "Throttled")
      assert.strictEqual((yield* storeError(storage.delete(update))).reason, "Throttled")
      assert.deepStrictEqual(fake.requests, [
        ...Array(4).fill("GetItem"),
        ...Array(4).fill("UpdateItem"),
        ...Array(4).fill("DeleteItem")
      ])
    })
  )

  it.scopedLive("every throttling error name is Throttled", () =>
    Effect.gen(function* () {
      for (const name of ["ThrottlingException", "RequestLimitExceeded", "ProvisionedThroughputExceededException"]) {
        const { storage } = yield* scripted(() => error(400, name))
        assert.strictEqual((yield* storeError(storage.get("k", true))).reason, "Throttled", name)
      }
    })
  )

  it.scopedLive("a throttled request that then succeeds succeeds", () =>
    Effect.gen(function* () {
      const { fake, storage } = yield* scripted((_, attempt) =>
        attempt < 3 ? error(400, "ThrottlingException") : { _tag: "Json", body: {} }
      )
      assert.isTrue(Option.isNone(yield* storage.get("k", true)))
      assert.deepStrictEqual(fake.requests, ["GetItem", "GetItem", "GetItem"])
    })
  )

  it.scopedLive("a 5xx is retried for reads, never for writes that may have been applied", () =>
    Effect.gen(function* () {
      const { fake, storage } = yield* scripted(() => error(500, "InternalServerError"))
      assert.strictEqual((yield* storeError(storage.get("k", true))).reason, "Unavailable")
      assert.strictEqual(
        (yield* storeError(storage.query({ prefix: "", consistent: true, after: Option.none() }))).reason,
        "Unavailable"
      )
      const write = yield* storeError(storage.update(update))
      assert.strictEqual(write.reason, "Unavailable")
      assert.strictEqual((yield* storeError(storage.delete(update))).reason, "Unavailable")
      // One request per write: neither dynalock nor the SDK's own retry resends it.
      assert.deepStrictEqual(fake.requests, [
        ...Array(4).fill("GetItem"),
        ...Array(4).fill("Query"),
        "UpdateItem",
        "DeleteItem"
      ])
    })
  )

  it.scopedLive("a broken connection is Unavailable: reads retried, writes not", () =>
    Effect.gen(function* () {
      const { fake, storage } = yield* scripted(() => ({ _tag: "Reset" }))
      assert.strictEqual((yield* storeError(storage.get("k", true))).reason, "Unavailable")
      assert.strictEqual((yield* storeError(storage.update(update))).reason, "Unavailable")
      assert.deepStrictEqual(fake.requests, [...Array(4).fill("GetItem"), "UpdateItem"])
    })
  )

  it.scopedLive("no answer is Timeout: reads retried, writes not", () =>
    Effect.gen(function* () {
      const { fake, storage } = yield* scripted(() => ({ _tag: "Hang" }))
      const started = Date.now()
      const read = yield* storeError(storage.get("k", true))
      assert.strictEqual(read.reason, "Timeout")
      const write = yield* storeError(storage.update(update))
      assert.strictEqual(write.reason, "Timeout")
      // 4 reads and 1 write of 100 ms each.
      assert.isBelow(Date.now() - started, 1_500)
      assert.deepStrictEqual(fake.requests, [...Array(4).fill("GetItem"), "UpdateItem"])
    })
  )

  it.scopedLive("credentials refused are AccessDenied; unknown errors Unknown; neither retried", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [string, number, StoreError["reason"]]> = [
        ["AccessDeniedException", 400, "AccessDenied"],
        ["UnrecognizedClientException", 400, "AccessDenied"],
        ["ValidationException", 400, "Validation"],
        ["ResourceNotFoundException", 400, "TableNotFound"],
        ["SomethingNewException", 400, "Unknown"]
      ]
      for (const [name, status, reason] of cases) {
        const { fake, storage } = yield* scripted(() => error(status, name))
        const failure = yield* storeError(storage.get("k", true))
        assert.strictEqual(failure.reason, reason, name)
        assert.include(failure.message, name)
        assert.deepStrictEqual(fake.requests, ["GetItem"], name)
      }
    })
  )

  it.scopedLive("a refused connection is Unavailable, retried even for writes (nothing was sent)", () =>
    Effect.gen(function* () {
      // A port that was just closed: connections are refused.
      const closed = yield* Effect.scoped(fakeDynamo(() => ({ _tag: "Hang" })))
      let attempts = 0
      const counting = Schedule.recurs(2).pipe(Schedule.tapInput(() => Effect.sync(() => attempts++)))
      const storage = yield* storageOn(closed, "p", { retry: counting })
      const failure = yield* storeError(storage.update(update))
      assert.strictEqual(failure.reason, "Unavailable")
      assert.strictEqual(attempts, 3)
    })
  )

  it.scopedLive("a requestTimeout that is not a positive duration fails every request with Configuration", () =>
    Effect.gen(function* () {
      const server = yield* LocalDynamo.make()
      const { store } = yield* DynamoStore.make({
        tableName: server.tableName,
        partition: freshPartition(),
        client: server.clientConfig,
        requestTimeout: -1
      })
      const failure = yield* storeError(store.get("k"))
      assert.strictEqual(failure.reason, "Configuration")
      assert.include(failure.message, "requestTimeout")
    })
  )
})
