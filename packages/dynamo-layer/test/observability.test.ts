/**
 * The DynamoDB layer's part of observability, through the fault proxy on dynalite: `dynalock_store_requests_total`
 * counts every attempt (retries included) by operation and outcome, as many as the server was sent; request spans
 * nest under the operation's span.
 */
import { assert, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Metric, Option, Tracer } from "effect"
import type { MetricState } from "effect"
import { Observability, StoreError } from "@dynalock/core"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { Fault } from "@dynalock/test-layer/FaultProxy"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { rawClient } from "./support/dynamo.js"
import { proxied } from "./support/proxied.js"

const operations = ["GetItem", "UpdateItem", "PutItem", "DeleteItem", "Query"] as const
const outcomes = ["ok", "condition_failed", "throttled", "unavailable", "timeout", "table_not_found"] as const

/** The counter for every operation and outcome, as numbers keyed `operation/outcome`. */
const requestCounts = Effect.map(
  Effect.forEach(operations, (operation) =>
    Effect.forEach(outcomes, (outcome) =>
      Effect.map(
        Metric.value(
          Metric.tagged(Metric.tagged(Observability.storeRequests, "operation", operation), "outcome", outcome)
        ),
        (state: MetricState.MetricState.Counter<number>) => [`${operation}/${outcome}`, state.count] as const
      )
    )
  ),
  (rows) => Object.fromEntries(rows.flat()) as Record<string, number>
)

const delta = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after).flatMap(([key, value]) => (value === before[key] ? [] : [[key, value - (before[key] ?? 0)]]))
  )

/** A tracer that keeps every span it makes (Effect's own span objects), and the spans. */
const recordingTracer = Effect.map(Effect.tracer, (builtIn) => {
  const spans: Array<Tracer.Span> = []
  const recording = Tracer.make({
    span: (...args) => {
      const span = builtIn.span(...args)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { recording, spans }
})

layer(LocalDynamo.layer(), { excludeTestServices: true })(
  "observability of the DynamoDB layer (fault proxy, dynalite)",
  (it) => {
    it.scoped(
      "every attempt is counted by operation and outcome, as many as reached the proxy; request spans nest under the operation",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          // The first two reads are throttled: the client's retry schedule answers them.
          const setup = yield* proxied(server, FaultProxy.onOperation("GetItem", FaultProxy.times(2, Fault.Throttle())))
          const { recording, spans } = yield* recordingTracer
          const { locker, store } = yield* setup.store({ tag: "observed" })
          const other = yield* setup.store({ tag: "other" })
          const before = yield* requestCounts

          yield* Effect.gen(function* () {
            yield* store.put("o/key", "v")
            assert.strictEqual(new TextDecoder().decode((yield* store.get("o/key")).value), "v")
            yield* Effect.scoped(
              Effect.flatMap(other.locker.acquire("o/job"), () => Effect.scoped(locker.tryAcquire("o/job")))
            )
          }).pipe(Effect.withTracer(recording))

          const counted = delta(before, yield* requestCounts)
          const seen = yield* setup.proxy.stats
          const received: Record<string, number> = {}
          for (const client of ["observed", "other"]) {
            for (const [operation, n] of Object.entries(seen.byClient[client]?.receivedByOperation ?? {})) {
              received[operation] = (received[operation] ?? 0) + n
            }
          }
          assert.strictEqual(counted["GetItem/throttled"], 2)
          assert.isAtLeast(counted["GetItem/ok"] ?? 0, 1)
          // The tryAcquire's blind claim is refused: the other client holds the lock.
          assert.isAtLeast(counted["UpdateItem/condition_failed"] ?? 0, 1)
          const countedByOperation: Record<string, number> = {}
          for (const [key, value] of Object.entries(counted)) {
            const operation = key.split("/")[0]!
            countedByOperation[operation] = (countedByOperation[operation] ?? 0) + value
          }
          assert.deepStrictEqual(countedByOperation, received, "one count per request the proxy received")

          const get = spans.find((span) => span.name === "KeyValueStore.get")!
          const requests = spans.filter(
            (span) => span.name === "DynamoDB.GetItem" && Option.getOrUndefined(span.parent)?.spanId === get.spanId
          )
          // One span per request, covering its retries: the two throttled attempts are inside it, and it succeeds.
          assert.deepStrictEqual(
            requests.map((span) =>
              span.status._tag !== "Ended"
                ? "open"
                : Exit.match(span.status.exit, {
                    onSuccess: () => "ok",
                    onFailure: (cause) =>
                      Option.match(Cause.failureOption(cause), {
                        onNone: () => "defect",
                        onSome: (error) => (error instanceof StoreError ? error.reason : "other")
                      })
                  })
            ),
            ["ok"],
            "the read's request span nests under KeyValueStore.get, its retries inside it"
          )
          assert.strictEqual(get.attributes.get("table"), server.tableName)
          const tryAcquire = spans.find((span) => span.name === "Locker.tryAcquire")!
          assert.isTrue(
            spans.some(
              (span) =>
                span.name === "DynamoDB.UpdateItem" && Option.getOrUndefined(span.parent)?.spanId === tryAcquire.spanId
            ),
            "the claim's request span nests under Locker.tryAcquire"
          )
          assert.isFalse(
            spans.some(
              (span) =>
                span.name === "Locker.acquire" && Option.getOrUndefined(span.parent)?.spanId === tryAcquire.spanId
            ),
            "tryAcquire is one operation, not an acquire inside it"
          )
          // The release, a finalizer of the acquire's scope, runs in a span of its own with the key.
          const release = spans.find((span) => span.name === "Lock.release" && span.attributes.get("key") === "o/job")!
          assert.isTrue(
            spans.some(
              (span) =>
                span.name === "DynamoDB.UpdateItem" && Option.getOrUndefined(span.parent)?.spanId === release.spanId
            )
          )
          // A refused condition is an answer, not a failed request: its span ends in success, marked with the outcome.
          const refused = spans.filter(
            (span) =>
              span.name === "DynamoDB.UpdateItem" && Option.getOrUndefined(span.parent)?.spanId === tryAcquire.spanId
          )
          assert.isTrue(refused.some((span) => span.attributes.get("outcome") === "ConditionFailed"))
          for (const span of refused) {
            assert.strictEqual(span.status._tag, "Ended")
            if (span.status._tag === "Ended")
              assert.isTrue(Exit.isSuccess(span.status.exit), "a refused condition ends its span in success")
          }
        })
    )

    it.scoped(
      "a waiting acquire's requests nest under it, a renewal's under the renewal, and none under the span that made the client",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const { recording, spans } = yield* recordingTracer
          const partition = `observed-${Math.random()}`
          const make = DynamoStore.make({ tableName: server.tableName, partition, client: server.clientConfig })
          const holder = yield* make
          const waiter = yield* make.pipe(Effect.withSpan("app.setup"), Effect.withTracer(recording))
          const parentOf = (span: Tracer.Span) => Option.getOrUndefined(span.parent)?.spanId
          yield* Effect.scoped(
            Effect.gen(function* () {
              yield* holder.locker.acquire("o/wait", { ttl: "600 millis" })
              // Waits (in a race with its deadline, another fiber), then gives up and withdraws its place.
              const gaveUp = yield* Effect.flip(waiter.locker.acquire("o/wait", { timeout: "300 millis" }))
              assert.isTrue(gaveUp._tag === "AcquireCancelled" && gaveUp.reason === "Timeout", String(gaveUp))
            })
          ).pipe(Effect.withTracer(recording))
          const acquire = spans.find(
            (span) => span.name === "Locker.acquire" && span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
          )!
          const underAcquire = spans.filter((span) => parentOf(span) === acquire.spanId).map((span) => span.name)
          assert.isAtLeast(underAcquire.filter((name) => name.startsWith("DynamoDB.")).length, 3, underAcquire.join())
          assert.deepStrictEqual(
            spans.filter((span) => span.name.startsWith("DynamoDB.") && parentOf(span) === undefined),
            [],
            "every request span has its operation as parent"
          )
          // A lock held across renewals (ttl 300 ms: renewed about every 100 ms).
          yield* Effect.scoped(
            Effect.zipRight(waiter.locker.acquire("o/renewed", { ttl: "300 millis" }), Effect.sleep("350 millis"))
          ).pipe(Effect.withTracer(recording))
          const setup = spans.find((span) => span.name === "app.setup")!
          const renewals = spans.filter((span) => span.name === "Lock.renew")
          assert.isAtLeast(renewals.length, 2)
          for (const renewal of renewals) {
            assert.notStrictEqual(parentOf(renewal), setup.spanId)
            assert.isTrue(
              spans.some((span) => span.name === "DynamoDB.UpdateItem" && parentOf(span) === renewal.spanId)
            )
          }
          const acquires = new Set(spans.filter((span) => span.name === "Locker.acquire").map((span) => span.spanId))
          assert.isFalse(renewals.some((renewal) => acquires.has(parentOf(renewal) ?? "")))
        })
    )

    it.scoped("operations running at once in fibers of one program each keep their own spans", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { recording, spans } = yield* recordingTracer
        const { store } = yield* DynamoStore.make({
          tableName: server.tableName,
          partition: `concurrent-${Math.random()}`,
          client: server.clientConfig
        })
        const keys = ["c/a", "c/b", "c/c", "c/d", "c/e", "c/f"]
        // An operation of the program's own fiber first: the fibers it forks then start from where it kept its span.
        yield* store.exists("c/a").pipe(Effect.withTracer(recording))
        // Each fiber's operation is open while the others start theirs: one fiber's span must not be another's parent.
        yield* Effect.forEach(keys, (key) => Effect.zipRight(store.put(key, key), store.get(key)), {
          concurrency: "unbounded",
          discard: true
        }).pipe(Effect.withSpan("app.batch"), Effect.withTracer(recording))
        const parentOf = (span: Tracer.Span) => Option.getOrUndefined(span.parent)?.spanId
        const batch = spans.find((span) => span.name === "app.batch")!
        const operationSpans = spans.filter(
          (span) => span.name.startsWith("KeyValueStore.") && span.name !== "KeyValueStore.exists"
        )
        assert.strictEqual(operationSpans.length, keys.length * 2)
        for (const operation of operationSpans) {
          assert.strictEqual(
            parentOf(operation),
            batch.spanId,
            `${operation.name} ${String(operation.attributes.get("key"))}`
          )
          const requests = spans.filter((span) => parentOf(span) === operation.spanId)
          assert.deepStrictEqual(
            requests.map((span) => span.name),
            [operation.name === "KeyValueStore.get" ? "DynamoDB.GetItem" : "DynamoDB.UpdateItem"]
          )
        }
      })
    )

    it.scoped("a request interrupted while in flight ends its span, and its operation's, with the interruption", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const setup = yield* proxied(server, FaultProxy.onOperation("GetItem", FaultProxy.times(1, Fault.Hang())))
        const { recording, spans } = yield* recordingTracer
        const { store } = yield* setup.store()
        const reading = yield* Effect.fork(store.get("o/hung").pipe(Effect.withTracer(recording)))
        // Interrupted once the request is out: the proxy holds it without an answer.
        while (!spans.some((span) => span.name === "DynamoDB.GetItem")) yield* Effect.sleep("5 millis")
        yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(reading)
        const request = spans.find((span) => span.name === "DynamoDB.GetItem")!
        assert.strictEqual(request.status._tag, "Ended", "the request's span ends")
        if (request.status._tag === "Ended") assert.isTrue(Exit.isInterrupted(request.status.exit))
        const operation = spans.find((span) => span.name === "KeyValueStore.get")!
        assert.strictEqual(Option.getOrUndefined(request.parent)?.spanId, operation.spanId)
        assert.strictEqual(operation.status._tag, "Ended", "and so does the operation's")
      })
    )

    it.scoped("a failure's outcome tag is its StoreError reason in snake case", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const client = yield* rawClient({ ...server.clientConfig, maxAttempts: 1 })
        const { store } = yield* DynamoStore.make({ tableName: "no_such_table", partition: "observed", client })
        const before = yield* requestCounts
        const error = yield* Effect.flip(store.get("o/key"))
        assert.strictEqual(error._tag === "StoreError" ? error.reason : error._tag, "TableNotFound")
        assert.strictEqual(delta(before, yield* requestCounts)["GetItem/table_not_found"], 1)
      })
    )
  }
)
