/**
 * The fault proxy against dynalite: for each fault, what the client sees (the SDK's error, the store's
 * StoreError) and what the server did (read past the proxy: applied, applied late, applied twice, not at all).
 */
import { createServer as createTcpServer, Socket } from "node:net"
import type { Server as TcpServer } from "node:net"
import { Agent, request as httpRequest } from "node:http"
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb"
import { assert, describe, it, layer } from "@effect/vitest"
import { Cause, Duration, Effect, Either, Exit, Fiber, Option, Schedule, Scope } from "effect"
import type { StoreError } from "@dynalock/core"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { Fault } from "@dynalock/test-layer/FaultProxy"
import { proxied } from "./support/proxied.js"

const storeError = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<StoreError> =>
  Effect.flatMap(Effect.either(effect), (result) => {
    if (Either.isRight(result)) return Effect.dieMessage("expected a StoreError, got a success")
    const failure = result.left as unknown as StoreError
    assert.strictEqual(failure._tag, "StoreError", String(failure))
    return Effect.succeed(failure)
  })

/** The error a raw SDK call failed with. */
const sdkError = (promise: () => Promise<unknown>) =>
  Effect.flatMap(
    Effect.either(Effect.tryPromise({ try: promise, catch: (error) => error as Record<string, unknown> })),
    (result) =>
      Either.isLeft(result) ? Effect.succeed(result.left) : Effect.dieMessage("expected the SDK call to fail")
  )

const metadataOf = (error: Record<string, unknown>) =>
  error.$metadata as { httpStatusCode?: number; requestId?: string }

/** Polls `check` every 10 ms until it holds, for at most `within`. */
const eventually = <A>(check: Effect.Effect<Option.Option<A>>, within: Duration.DurationInput = "2 seconds") =>
  check.pipe(
    Effect.flatMap((found) => (Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail("not yet" as const))),
    Effect.retry(Schedule.spaced("10 millis")),
    Effect.timeoutFail({
      duration: within,
      onTimeout: () => new Error(`condition not met within ${Duration.format(within)}`)
    }),
    Effect.orDie
  )

const millisOf = (duration: Duration.Duration) => Duration.toMillis(duration)

const getItem = (client: DynamoDBClient, tableName: string, partition: string, key: string) => () =>
  client.send(new GetItemCommand({ TableName: tableName, Key: { id: { S: partition }, name: { S: key } } }))

// No waiting between retries: the counts are what matters here.
const fourRetries = Schedule.recurs(4)

layer(LocalDynamo.layer(), { excludeTestServices: true })("the fault proxy on dynalite", (it) => {
  describe("answers the AWS SDK reads as DynamoDB's", () => {
    it.scoped("Throttle: ProvisionedThroughputExceededException, HTTP 400, not forwarded", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { client, partition, proxy } = yield* proxied(server, FaultProxy.always(Fault.Throttle()))
        const raw = yield* client()
        const error = yield* sdkError(getItem(raw, server.tableName, partition, "k"))
        assert.strictEqual(error.name, "ProvisionedThroughputExceededException")
        assert.strictEqual(error.$fault, "client")
        assert.strictEqual(metadataOf(error).httpStatusCode, 400)
        assert.match(metadataOf(error).requestId ?? "", /^FAULTPROXY/)
        const stats = yield* proxy.stats
        assert.strictEqual(stats.received, 1)
        assert.strictEqual(stats.forwarded, 0)
        assert.strictEqual(stats.faults.Throttle, 1)
      })
    )

    it.scoped("ServerError: InternalServerError 500 and ServiceUnavailable 503, both server faults", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const plan = FaultProxy.script([Fault.ServerError({}), Fault.ServerError({ status: 503 })])
        const { client, partition } = yield* proxied(server, plan)
        const raw = yield* client()
        const internal = yield* sdkError(getItem(raw, server.tableName, partition, "k"))
        assert.strictEqual(internal.name, "InternalServerError")
        assert.strictEqual(internal.$fault, "server")
        assert.strictEqual(metadataOf(internal).httpStatusCode, 500)
        const unavailable = yield* sdkError(getItem(raw, server.tableName, partition, "k"))
        assert.strictEqual(unavailable.name, "ServiceUnavailable")
        assert.strictEqual(unavailable.$fault, "server")
        assert.strictEqual(metadataOf(unavailable).httpStatusCode, 503)
        // The plan's script is over: the next request passes.
        const output = yield* Effect.promise(getItem(raw, server.tableName, partition, "k"))
        assert.strictEqual(output.$metadata.httpStatusCode, 200)
      })
    )
  })

  describe("throttles", () => {
    it.scoped("DynamoStore retries throttled writes until one goes through, and it is applied once", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation("UpdateItem", FaultProxy.times(3, Fault.Throttle()))
        )
        const { store: kv } = yield* store()
        const written = yield* kv.put("k", "v")
        assert.strictEqual(written.version, 1)
        assert.strictEqual(Option.getOrThrow(yield* stored("k")).version, 1)
        const stats = yield* proxy.stats
        assert.strictEqual(stats.receivedByOperation.UpdateItem, 4)
        assert.strictEqual(stats.forwardedByOperation.UpdateItem, 1)
        assert.strictEqual(stats.faults.Throttle, 3)
      })
    )

    it.scoped("a throttle storm outlasts the retries: StoreError Throttled, nothing applied", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store, stored } = yield* proxied(server, FaultProxy.always(Fault.Throttle()))
        const { store: kv } = yield* store({ retry: fourRetries })
        const failure = yield* storeError(kv.put("k", "v"))
        assert.strictEqual(failure.reason, "Throttled")
        assert.isTrue(Option.isNone(yield* stored("k")))
        const stats = yield* proxy.stats
        assert.strictEqual(stats.receivedByOperation.UpdateItem, 5)
        assert.strictEqual(stats.forwarded, 0)
      })
    )
  })

  describe("server errors", () => {
    it.scoped("a 5xx on a write is Unavailable, not resent, and nothing is applied", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation(
            "UpdateItem",
            FaultProxy.script([Fault.ServerError({}), Fault.ServerError({ status: 503 })])
          )
        )
        const { store: kv } = yield* store({ retry: fourRetries })
        for (const key of ["a", "b"]) {
          const failure = yield* storeError(kv.put(key, "v"))
          assert.strictEqual(failure.reason, "Unavailable")
          assert.isTrue(Option.isNone(yield* stored(key)))
        }
        const stats = yield* proxy.stats
        assert.strictEqual(stats.receivedByOperation.UpdateItem, 2)
        assert.strictEqual(stats.faults.ServerError, 2)
        assert.strictEqual(stats.forwarded, 0)
      })
    )

    it.scoped("a 5xx on a read is resent, and the read succeeds", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store } = yield* proxied(
          server,
          FaultProxy.onOperation("GetItem", FaultProxy.once(Fault.ServerError({})))
        )
        const { store: kv } = yield* store({ retry: fourRetries })
        yield* kv.put("k", "v")
        const read = yield* kv.get("k")
        assert.strictEqual(read.version, 1)
        const stats = yield* proxy.stats
        assert.strictEqual(stats.receivedByOperation.GetItem, 2)
        assert.strictEqual(stats.forwardedByOperation.GetItem, 1)
      })
    )
  })

  describe("lost answers", () => {
    it.scoped("DropAnswer (reset) on a put: the client sees Unavailable, the write was applied", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const plan = FaultProxy.onOperation("UpdateItem", FaultProxy.once(Fault.DropAnswer({ how: "reset" })))
        const { proxy, store, stored } = yield* proxied(server, plan)
        const { store: kv } = yield* store({ retry: fourRetries })
        const failure = yield* storeError(kv.put("k", "v"))
        assert.strictEqual(failure.reason, "Unavailable")
        assert.strictEqual(Option.getOrThrow(yield* stored("k")).version, 1)
        const stats = yield* proxy.stats
        assert.strictEqual(stats.forwardedByOperation.UpdateItem, 1)
        assert.strictEqual(stats.faults.DropAnswer, 1)
      })
    )

    it.scoped("DropAnswer (hang) on a put: the client times out, the write was applied", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const plan = FaultProxy.onOperation("UpdateItem", FaultProxy.once(Fault.DropAnswer({ how: "hang" })))
        const { store, stored } = yield* proxied(server, plan)
        const { store: kv } = yield* store({ retry: fourRetries, requestTimeout: "300 millis" })
        const [took, failure] = yield* Effect.timed(storeError(kv.put("k", "v")))
        assert.strictEqual(failure.reason, "Timeout")
        assert.isAtLeast(millisOf(took), 290)
        assert.strictEqual(Option.getOrThrow(yield* stored("k")).version, 1)
      })
    )

    it.scoped("Hang: the request timeout fires; a read is resent and succeeds, a write fails and is not applied", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store, stored } = yield* proxied(server)
        const { store: kv } = yield* store({ retry: fourRetries, requestTimeout: "300 millis" })
        yield* kv.put("read", "v")

        yield* proxy.setPlan(FaultProxy.onOperation("GetItem", FaultProxy.once(Fault.Hang())))
        const [readTook, read] = yield* Effect.timed(kv.get("read"))
        assert.strictEqual(read.version, 1)
        assert.isAtLeast(millisOf(readTook), 290)

        yield* proxy.setPlan(FaultProxy.onOperation("UpdateItem", Fault.Hang()))
        const [writeTook, failure] = yield* Effect.timed(storeError(kv.put("write", "v")))
        assert.strictEqual(failure.reason, "Timeout")
        assert.isAtLeast(millisOf(writeTook), 290)
        assert.isBelow(millisOf(writeTook), 1500)
        assert.isTrue(Option.isNone(yield* stored("write")))
        const stats = yield* proxy.stats
        assert.strictEqual(stats.faults.Hang, 2)
        assert.strictEqual(stats.receivedByOperation.GetItem, 2)
        assert.strictEqual(stats.forwardedByOperation.GetItem, 1)
      })
    )

    it.scoped("Reset: the connection breaks before forwarding; Unavailable, nothing applied", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation("UpdateItem", FaultProxy.once(Fault.Reset()))
        )
        const { store: kv } = yield* store({ retry: fourRetries })
        const failure = yield* storeError(kv.put("k", "v"))
        assert.strictEqual(failure.reason, "Unavailable")
        assert.isTrue(Option.isNone(yield* stored("k")))
        assert.strictEqual((yield* proxy.stats).forwarded, 0)
        // The client reconnects for the next request.
        assert.strictEqual((yield* kv.put("k", "v")).version, 1)
      })
    )
  })

  describe("late and repeated requests", () => {
    it.scoped("DelayAnswer: the write is applied at once, the answer arrives after the delay", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation("UpdateItem", Fault.DelayAnswer({ millis: 250 }))
        )
        const { store: kv } = yield* store()
        const put = yield* Effect.fork(Effect.timed(kv.put("k", "v")))
        const seen = yield* eventually(stored("k"))
        assert.strictEqual(seen.version, 1)
        assert.isTrue(Option.isNone(yield* Fiber.poll(put)), "the item is stored before the answer arrives")
        const [took, written] = yield* Fiber.join(put)
        assert.strictEqual(written.version, 1)
        assert.isAtLeast(millisOf(took), 245)
      })
    )

    it.scoped("DelayRequest: the write is applied only after the delay", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation("UpdateItem", Fault.DelayRequest({ millis: 250 }))
        )
        const { store: kv } = yield* store()
        const put = yield* Effect.fork(Effect.timed(kv.put("k", "v")))
        yield* Effect.sleep("120 millis")
        assert.isTrue(Option.isNone(yield* stored("k")), "not applied during the delay")
        const [took, written] = yield* Fiber.join(put)
        assert.isAtLeast(millisOf(took), 245)
        assert.strictEqual(written.version, 1)
        assert.strictEqual(Option.getOrThrow(yield* stored("k")).version, 1)
      })
    )

    it.scoped("DelayRequest past the client's timeout: the client gives up, the write lands afterwards", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation("UpdateItem", Fault.DelayRequest({ millis: 400 }))
        )
        const { store: kv } = yield* store({ retry: fourRetries, requestTimeout: "150 millis" })
        const [gaveUpAfter, failure] = yield* Effect.timed(storeError(kv.put("k", "v")))
        assert.strictEqual(failure.reason, "Timeout")
        assert.isBelow(millisOf(gaveUpAfter), 380)
        assert.isTrue(Option.isNone(yield* stored("k")), "not applied when the client gave up")
        const [landedAfter, landed] = yield* Effect.timed(eventually(stored("k")))
        assert.strictEqual(landed.version, 1)
        assert.isAtLeast(millisOf(gaveUpAfter) + millisOf(landedAfter), 390)
      })
    )

    it.scoped("Duplicate: the write is applied twice (version 2), the client sees the first answer", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const plan = FaultProxy.onOperation("UpdateItem", FaultProxy.once(Fault.Duplicate({ afterMillis: 50 })))
        const { proxy, store, stored } = yield* proxied(server, plan)
        const { store: kv } = yield* store()
        const written = yield* kv.put("k", "v")
        assert.strictEqual(written.version, 1)
        const twice = yield* eventually(
          Effect.map(
            stored("k"),
            Option.filter((item) => item.version === 2)
          )
        )
        assert.strictEqual(twice.version, 2)
        yield* Effect.sleep("100 millis")
        assert.strictEqual(Option.getOrThrow(yield* stored("k")).version, 2, "applied exactly twice")
        const stats = yield* proxy.stats
        assert.strictEqual(stats.receivedByOperation.UpdateItem, 1)
        assert.strictEqual(stats.forwardedByOperation.UpdateItem, 2)
      })
    )
  })

  describe("statistics", () => {
    it.scoped("by operation and by client tag, with the plan seeing operation, body, client and sequence", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const seen: Array<FaultProxy.ProxyRequest> = []
        const recording: FaultProxy.Plan = (request) => {
          seen.push(request)
          return Fault.Pass()
        }
        const { client, partition, proxy, store } = yield* proxied(server)
        yield* proxy.setPlan(
          FaultProxy.combine(recording, FaultProxy.onClient("beta", FaultProxy.once(Fault.Throttle())))
        )
        const { store: alpha } = yield* store({ tag: "alpha" })
        const { store: beta } = yield* store({ tag: "beta", retry: fourRetries })
        const untagged = yield* client()
        yield* alpha.put("a", "1")
        yield* alpha.put("b", "2")
        yield* alpha.get("a")
        yield* beta.get("a")
        yield* Effect.promise(getItem(untagged, server.tableName, partition, "a"))

        const stats = yield* proxy.stats
        assert.deepStrictEqual(stats.byClient.alpha?.receivedByOperation, { UpdateItem: 2, GetItem: 1 })
        assert.deepStrictEqual(stats.byClient.alpha?.forwardedByOperation, { UpdateItem: 2, GetItem: 1 })
        assert.strictEqual(stats.byClient.alpha?.faults.Throttle, 0)
        // beta's first GetItem was throttled, its retry went through.
        assert.deepStrictEqual(stats.byClient.beta?.receivedByOperation, { GetItem: 2 })
        assert.deepStrictEqual(stats.byClient.beta?.forwardedByOperation, { GetItem: 1 })
        assert.strictEqual(stats.byClient.beta?.faults.Throttle, 1)
        assert.deepStrictEqual(Object.keys(stats.byClient).sort(), ["alpha", "beta"])
        assert.strictEqual(stats.received, 6)
        assert.deepStrictEqual(stats.receivedByOperation, { UpdateItem: 2, GetItem: 4 })

        assert.deepStrictEqual(
          seen.map((request) => request.sequence),
          [0, 1, 2, 3, 4, 5]
        )
        assert.deepStrictEqual(
          seen.map((request) => [request.operation, request.client ?? "-"]),
          [
            ["UpdateItem", "alpha"],
            ["UpdateItem", "alpha"],
            ["GetItem", "alpha"],
            ["GetItem", "beta"],
            ["GetItem", "beta"],
            ["GetItem", "-"]
          ]
        )
        const firstBody = seen[0]?.body as { TableName: string; Key: { id: { S: string }; name: { S: string } } }
        assert.strictEqual(firstBody.TableName, server.tableName)
        assert.deepStrictEqual(firstBody.Key, { id: { S: partition }, name: { S: "a" } })

        yield* proxy.resetStats
        const reset = yield* proxy.stats
        assert.strictEqual(reset.received, 0)
        assert.deepStrictEqual(reset.receivedByOperation, {})
        assert.deepStrictEqual(reset.byClient, {})
        yield* alpha.get("a")
        assert.strictEqual((yield* proxy.stats).byClient.alpha?.received, 1)
        assert.strictEqual(seen.at(-1)?.sequence, 6, "sequence numbers go on after a reset")
      })
    )
  })

  describe("lifetime and robustness", () => {
    it.scoped("closing the scope stops the proxy and frees its port, with hung requests in flight", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const scope = yield* Scope.make()
        const { client, partition, proxy } = yield* proxied(server, FaultProxy.always(Fault.Hang())).pipe(
          Scope.extend(scope)
        )
        // The client outlives the proxy: only the proxy's closing can end these requests (the SDK sets no timeout).
        const raw = yield* client()
        const hung = yield* Effect.forEach([1, 2, 3], () =>
          Effect.fork(sdkError(getItem(raw, server.tableName, partition, "k")))
        )
        yield* eventually(
          Effect.map(proxy.stats, (stats) => (stats.received === 3 ? Option.some(true) : Option.none()))
        )
        const [closing] = yield* Effect.timed(Scope.close(scope, Exit.void))
        assert.isBelow(millisOf(closing), 500)
        const errors = yield* Fiber.join(Fiber.all(hung)).pipe(Effect.timeout("2 seconds"), Effect.orDie)
        assert.deepStrictEqual(
          errors.map((error) => error.code),
          ["ECONNRESET", "ECONNRESET", "ECONNRESET"]
        )
        const port = Number(new URL(proxy.endpoint).port)
        yield* listensOn(port)
      })
    )

    it.scoped("clients that disconnect mid-request or while their answer is held do not upset the proxy", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { proxy, store, stored } = yield* proxied(
          server,
          FaultProxy.onOperation("UpdateItem", FaultProxy.once(Fault.DelayAnswer({ millis: 300 })))
        )
        const port = Number(new URL(proxy.endpoint).port)
        // Headers promise 1000 bytes of body, 10 come, then the connection closes.
        yield* rawExchange(
          port,
          "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 1000\r\n\r\n0123456789",
          50
        )
        // Half a request line.
        yield* rawExchange(port, "POST / HT", 20)
        // The client gives up while its answer is held.
        const { store: impatient } = yield* store({ retry: fourRetries, requestTimeout: "100 millis" })
        assert.strictEqual((yield* storeError(impatient.put("k", "v"))).reason, "Timeout")
        // The proxy answers a client that is gone 300 ms after the write, and goes on serving.
        yield* Effect.sleep("350 millis")
        assert.strictEqual(Option.getOrThrow(yield* stored("k")).version, 1)
        const { store: kv } = yield* store()
        assert.strictEqual((yield* kv.put("k", "w")).version, 2)
        const stats = yield* proxy.stats
        assert.strictEqual(stats.receivedByOperation.UpdateItem, 2)
        assert.isUndefined(stats.receivedByOperation.GetItem, "an incomplete request is not counted")
      })
    )

    it.scoped("a target that refuses connections: the client's connection is reset, counted as a target failure", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const closedPort = yield* LocalDynamo.closedPort
        const proxy = yield* FaultProxy.make({ target: `http://127.0.0.1:${closedPort}` })
        const raw = yield* Effect.acquireRelease(
          Effect.sync(() => new DynamoDBClient({ ...server.clientConfig, endpoint: proxy.endpoint, maxAttempts: 1 })),
          (client) => Effect.sync(() => client.destroy())
        )
        const error = yield* sdkError(getItem(raw, server.tableName, "p", "k"))
        assert.strictEqual(error.code, "ECONNRESET")
        const stats = yield* proxy.stats
        assert.strictEqual(stats.targetFailures, 1)
        assert.strictEqual(stats.forwarded, 1)
      })
    )

    it.scoped("a plan that throws answers 500 with its message", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const { client, partition } = yield* proxied(server, () => {
          throw new Error("bad plan")
        })
        const raw = yield* client()
        const error = yield* sdkError(getItem(raw, server.tableName, partition, "k"))
        assert.strictEqual(metadataOf(error).httpStatusCode, 500)
        assert.include(String(error.message), "bad plan")
      })
    )
  })
})

describe("forwarding", () => {
  it.scopedLive(
    "requests reach the server byte for byte, answers come back unchanged, on one kept-alive connection",
    () =>
      Effect.gen(function* () {
        const target = yield* capturingTarget
        const proxy = yield* FaultProxy.make({ target: `http://127.0.0.1:${target.port}` })
        const port = Number(new URL(proxy.endpoint).port)
        const body = '{"TableName":"t","Key":{"id":{"S":"p"},"name":{"S":"é"}}}'
        const request =
          "POST / HTTP/1.1\r\n" +
          `host: 127.0.0.1:${port}\r\n` +
          "X-Amz-Target: DynamoDB_20120810.GetItem\r\n" +
          "content-type: application/x-amz-json-1.0\r\n" +
          "x-dynalock-client: w1\r\n" +
          "x-amz-date: 20240101T000000Z\r\n" +
          "authorization: AWS4-HMAC-SHA256 Credential=local/20240101/local/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target;x-dynalock-client, Signature=00\r\n" +
          `content-length: ${Buffer.byteLength(body)}\r\n` +
          "Connection: keep-alive\r\n" +
          "\r\n" +
          body
        const answered = yield* rawExchange(port, request, 200)
        assert.deepStrictEqual(target.received, [request])
        assert.strictEqual(answered, target.answer)

        // A Node client with a keep-alive agent, three requests in a row: one connection from the proxy to the server.
        const agent = new Agent({ keepAlive: true })
        yield* Effect.addFinalizer(() => Effect.sync(() => agent.destroy()))
        for (const _ of [1, 2, 3]) yield* nodePost(proxy.endpoint, agent, body)
        assert.strictEqual(
          target.connections(),
          1,
          "four requests on two client connections, one connection to the server"
        )
        const stats = yield* proxy.stats
        assert.strictEqual(stats.byClient.w1?.received, 1)
        assert.strictEqual(stats.forwarded, 4)
      })
  )

  it.scopedLive("a tagged SDK client's tag header is signed, and reaches the server unchanged", () =>
    Effect.gen(function* () {
      const target = yield* capturingTarget
      const proxy = yield* FaultProxy.make({ target: `http://127.0.0.1:${target.port}` })
      const client = yield* Effect.acquireRelease(
        Effect.sync(
          () =>
            new DynamoDBClient({
              endpoint: proxy.endpoint,
              region: "local",
              credentials: { accessKeyId: "local", secretAccessKey: "local" },
              maxAttempts: 1
            })
        ),
        (client) => Effect.sync(() => client.destroy())
      )
      FaultProxy.tagClient(client, "worker-1")
      const output = yield* Effect.promise(getItem(client, "t", "p", "k"))
      assert.deepStrictEqual(output.Item, { name: { S: "é" } })
      const received = target.received[0] ?? ""
      assert.match(received, /^x-dynalock-client: worker-1\r$/m)
      assert.match(received, /^authorization: AWS4-HMAC-SHA256 .*SignedHeaders=[^,]*x-dynalock-client/m)
      assert.deepStrictEqual(Object.keys((yield* proxy.stats).byClient), ["worker-1"])
    })
  )

  it.effect("the target must be on loopback", () =>
    Effect.gen(function* () {
      for (const target of ["http://10.0.0.1:8000", "https://127.0.0.1:8000", "not a url"]) {
        const exit = yield* Effect.exit(Effect.scoped(FaultProxy.make({ target })))
        assert.isTrue(Exit.isFailure(exit) && Exit.causeOption(exit).pipe(Option.exists(Cause.isDie)), target)
      }
    })
  )

  it("tagClient adds the tag header at the build step of a real DynamoDBClient", () => {
    const client = new DynamoDBClient({ region: "local", credentials: { accessKeyId: "a", secretAccessKey: "b" } })
    FaultProxy.tagClient(client, "first")
    FaultProxy.tagClient(client, "second") // replaces, does not fail as a duplicate name
    const entries = client.middlewareStack.identify().filter((entry) => entry.includes("dynalockFaultProxyClientTag"))
    assert.strictEqual(entries.length, 1)
    assert.include(entries[0] ?? "", "build")
    client.destroy()
  })
})

describe("randomPlan", () => {
  const request = (sequence: number): FaultProxy.ProxyRequest => ({
    operation: "UpdateItem",
    body: {},
    client: undefined,
    sequence
  })
  const draw = (plan: FaultProxy.Plan, count: number) => Array.from({ length: count }, (_, i) => plan(request(i)))
  const rates = {
    throttle: 0.1,
    serverError: 0.05,
    dropAnswer: 0.05,
    delayAnswer: 0.1,
    duplicate: 0.02,
    maxDelayMillis: 40
  }

  it("is reproducible for a seed, and another seed gives other faults", () => {
    const first = draw(FaultProxy.randomPlan(rates, 42), 2000)
    const again = draw(FaultProxy.randomPlan(rates, 42), 2000)
    const other = draw(FaultProxy.randomPlan(rates, 43), 2000)
    assert.deepStrictEqual(again, first)
    assert.notDeepEqual(other, first)
  })

  it("draws close to its rates over a few thousand requests", () => {
    const count = 5000
    const faults = draw(FaultProxy.randomPlan(rates, 7), count)
    const share = (tag: FaultProxy.Fault["_tag"]) => faults.filter((fault) => fault._tag === tag).length / count
    // Within 4.5 standard deviations of each rate (seeded: the same draws every run).
    const near = (tag: FaultProxy.Fault["_tag"], rate: number) =>
      assert.approximately(share(tag), rate, 4.5 * Math.sqrt((rate * (1 - rate)) / count), tag)
    near("Throttle", 0.1)
    near("ServerError", 0.05)
    near("DropAnswer", 0.05)
    near("DelayAnswer", 0.1)
    near("Duplicate", 0.02)
    near("Pass", 0.68)
    assert.strictEqual(share("Hang"), 0)
    for (const fault of faults) {
      if (fault._tag === "DelayAnswer")
        assert.isTrue(fault.millis >= 0 && fault.millis <= 40 && Number.isInteger(fault.millis))
      if (fault._tag === "ServerError") assert.include([500, 503], fault.status)
      if (fault._tag === "DropAnswer") assert.strictEqual(fault.how, "reset")
    }
    const statuses = new Set(faults.flatMap((fault) => (fault._tag === "ServerError" ? [fault.status] : [])))
    assert.deepStrictEqual([...statuses].sort(), [500, 503])
  })

  it("scales rates that add up to more than 1, so every request gets a fault", () => {
    const faults = draw(FaultProxy.randomPlan({ throttle: 0.9, reset: 0.9 }, 1), 2000)
    assert.isFalse(faults.some((fault) => fault._tag === "Pass"))
    const throttled = faults.filter((fault) => fault._tag === "Throttle").length / faults.length
    assert.approximately(throttled, 0.5, 0.05)
  })
})

describe("plan combinators", () => {
  const request = (operation: string, sequence: number, client?: string): FaultProxy.ProxyRequest => ({
    operation,
    body: undefined,
    client,
    sequence
  })
  const throttle = Fault.Throttle()

  it("onOperation and nth count only the requests they see", () => {
    const plan = FaultProxy.onOperation(["GetItem", "Query"], FaultProxy.nth(1, throttle))
    const tags = ["UpdateItem", "GetItem", "UpdateItem", "Query", "GetItem"].map((op, i) => plan(request(op, i))._tag)
    assert.deepStrictEqual(tags, ["Pass", "Pass", "Pass", "Throttle", "Pass"])
  })

  it("combine asks every plan and keeps the first fault", () => {
    const plan = FaultProxy.combine(
      FaultProxy.onClient("a", FaultProxy.times(2, throttle)),
      FaultProxy.once(Fault.Reset())
    )
    const tags = [undefined, "a", "a", "a"].map((client, i) => plan(request("GetItem", i, client))._tag)
    assert.deepStrictEqual(tags, ["Reset", "Throttle", "Throttle", "Pass"])
  })
})

/** Succeeds if a server can listen on the port (it is free), and closes that server again. */
const listensOn = (port: number) =>
  Effect.async<void>((resume) => {
    const probe = createTcpServer()
    probe.once("error", (error) => resume(Effect.die(error)))
    probe.listen(port, "127.0.0.1", () => probe.close(() => resume(Effect.void)))
  })

/** Writes raw bytes to a port, collects what comes back for `millis`, then closes the connection. */
const rawExchange = (port: number, bytes: string, millis: number) =>
  Effect.async<string>((resume) => {
    const chunks: Array<Buffer> = []
    const socket = new Socket()
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", () => {})
    socket.connect(port, "127.0.0.1", () => socket.write(bytes))
    const timer = setTimeout(() => {
      socket.destroy()
      resume(Effect.succeed(Buffer.concat(chunks).toString("utf8")))
    }, millis)
    return Effect.sync(() => {
      clearTimeout(timer)
      socket.destroy()
    })
  })

/** A POST through Node's own HTTP client; resolves with the answer's body. */
const nodePost = (endpoint: string, agent: Agent, body: string) =>
  Effect.async<string>((resume) => {
    const url = new URL(endpoint)
    const outgoing = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        method: "POST",
        path: "/",
        agent,
        headers: { "content-length": Buffer.byteLength(body) }
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
      }
    )
    outgoing.on("error", (error) => resume(Effect.die(error)))
    outgoing.end(body)
  })

/** A TCP server that records each request's raw bytes and answers every one with the same fixed bytes. */
const capturingTarget = Effect.acquireRelease(
  Effect.async<{
    server: TcpServer
    port: number
    received: Array<string>
    answer: string
    connections: () => number
    sockets: Set<Socket>
  }>((resume) => {
    const received: Array<string> = []
    const sockets = new Set<Socket>()
    let connections = 0
    const answerBody = '{"Item":{"name":{"S":"é"}}}'
    const answer =
      "HTTP/1.1 200 OK\r\n" +
      "x-amzn-RequestId: TARGET0001\r\n" +
      "x-amz-crc32: 12345\r\n" +
      "Content-Type: application/x-amz-json-1.0\r\n" +
      `Content-Length: ${Buffer.byteLength(answerBody)}\r\n` +
      "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n" +
      "Connection: keep-alive\r\n" +
      "Keep-Alive: timeout=5\r\n" +
      "\r\n" +
      answerBody
    const server = createTcpServer((socket) => {
      connections++
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => {})
      // Answers each request once it is whole: its headers, then content-length bytes of body.
      let pending = Buffer.alloc(0)
      socket.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        for (;;) {
          const headersEnd = pending.indexOf("\r\n\r\n")
          if (headersEnd < 0) return
          const length = Number(
            /content-length: *(\d+)/i.exec(pending.subarray(0, headersEnd).toString("latin1"))?.[1] ?? 0
          )
          const end = headersEnd + 4 + length
          if (pending.length < end) return
          received.push(pending.subarray(0, end).toString("utf8"))
          pending = pending.subarray(end)
          socket.write(answer)
        }
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ server, port, received, answer, connections: () => connections, sockets }))
    })
  }),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
)
