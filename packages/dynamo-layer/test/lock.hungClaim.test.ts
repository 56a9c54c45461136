/**
 * Claims whose answer never comes: a hung connection (the fault proxy's DropAnswer "hang" after the claim applied,
 * or Hang on everything) must cost one `requestTimeout`, as every other request does, and a hung store must end a
 * wait within `maxStoreOutage`. Each wait runs under a guard of a few seconds, so that a wait that hangs fails the
 * test at once instead of holding it (and its scope) until vitest gives up.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Either, Option, Schedule } from "effect"
import type { StoreError } from "@dynalock/core"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { Fault } from "@dynalock/test-layer/FaultProxy"
import { onLockRequest } from "./support/lockRequests.js"
import { proxied } from "./support/proxied.js"
import type { Proxied } from "./support/proxied.js"

const now = (): number => performance.now()

const millis = (value: number) => Duration.millis(value)

/**
 * `effect`, or a defect if it has not ended within `limit` ms. Disconnected, so that the guard returns at once even
 * when the effect cannot be interrupted; the proxy's scope, closing, then breaks the connection it hangs on.
 */
const within = <A, E>(what: string, limit: number, effect: Effect.Effect<A, E>) =>
  Effect.disconnect(effect).pipe(
    Effect.timeoutFail({ duration: millis(limit), onTimeout: () => `${what}: still waiting after ${limit} ms` }),
    Effect.catchIf(
      (error): error is string => typeof error === "string",
      (message) => Effect.dieMessage(message)
    )
  )

const storeErrorOf = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.flatMap(Effect.either(effect), (result) => {
    if (Either.isRight(result)) return Effect.dieMessage("expected a StoreError, got a success")
    assert.strictEqual(result.left._tag, "StoreError", String(result.left))
    return Effect.succeed(result.left as unknown as StoreError)
  })

const recordOf = (setup: Proxied, key: string) =>
  Effect.map(setup.rawLockRecord(key), (item) => {
    const record = Option.getOrThrow(item)
    return { owner: record.owner as string | undefined, fence: BigInt(String(record.fence)) }
  })

const forwardedUpdates = (setup: Proxied, client: string) =>
  Effect.map(setup.proxy.stats, (stats) => stats.byClient[client]?.forwardedByOperation.UpdateItem ?? 0)

/** A fresh plan each time: `once` keeps its count. */
const hungClaim = () =>
  FaultProxy.onClient("waiter", onLockRequest("claim", FaultProxy.once(Fault.DropAnswer({ how: "hang" }))))

layer(LocalDynamo.layer(), { excludeTestServices: true })(
  "claims whose answer never comes (fault proxy, dynalite)",
  (it) => {
    it.scoped("a claim applied whose answer hangs costs one request timeout: the waiter reconciles, fence + 1", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const setup = yield* proxied(server)
        const first = yield* setup.store({ tag: "first" })
        const before = yield* Effect.scoped(Effect.map(first.locker.acquire("job"), (held) => held.fencingToken))
        yield* setup.proxy.setPlan(hungClaim())
        const requestTimeout = 300
        const waiter = yield* setup.store({ tag: "waiter", requestTimeout: millis(requestTimeout) })
        const started = now()
        const token = yield* within(
          "acquire after a hung claim",
          3000,
          Effect.scoped(Effect.map(waiter.locker.acquire("job", { ttl: millis(1500) }), (held) => held.fencingToken))
        )
        const took = now() - started
        console.log(
          `claim answer hung: lock acquired after ${took.toFixed(0)} ms (requestTimeout ${requestTimeout} ms)`
        )
        assert.strictEqual(token, before + 1n)
        assert.isAtLeast(took, requestTimeout - 10)
        // The timeout, a step of the retry schedule (50 ms at first), a read; 250 ms for all of that under load.
        assert.isAtMost(took, requestTimeout + 250)
        // The claim and the release at the end of the scope.
        assert.strictEqual(yield* forwardedUpdates(setup, "waiter"), 2)
      })
    )

    it.scoped(
      "acquire whose timeout fires while the claim's answer hangs ends after one request timeout, leaving no lease",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const setup = yield* proxied(server, hungClaim())
          const requestTimeout = 400
          const waiter = yield* setup.store({ tag: "waiter", requestTimeout: millis(requestTimeout) })
          const started = now()
          const outcome = yield* within(
            "acquire with a timeout",
            3000,
            Effect.either(Effect.scoped(waiter.locker.acquire("job", { ttl: "20 seconds", timeout: millis(150) })))
          )
          const took = now() - started
          console.log(
            `claim answer hung, acquire timeout 150 ms: ended after ${took.toFixed(0)} ms (requestTimeout ${requestTimeout} ms)`
          )
          assert.isTrue(
            Either.isLeft(outcome) && outcome.left._tag === "AcquireCancelled",
            Either.isLeft(outcome) ? String(outcome.left) : "acquired"
          )
          // The claim is never cut short, but its own timeout bounds it; then a read and the release.
          assert.isAtMost(took, requestTimeout + 250)
          assert.isUndefined((yield* recordOf(setup, "job")).owner, "no lease left behind")
          const newcomer = yield* setup.store({ tag: "newcomer" })
          assert.isTrue(Option.isSome(yield* newcomer.locker.tryAcquire("job")))
        })
    )

    it.scoped(
      "a hung store: acquire fails with the StoreError within maxStoreOutage + two request timeouts, tryAcquire within two",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const setup = yield* proxied(server, FaultProxy.always(Fault.Hang()))
          const outage = 1500
          const requestTimeout = 200
          const { locker } = yield* setup.store({
            requestTimeout: millis(requestTimeout),
            retry: Schedule.recurs(0),
            lock: { maxStoreOutage: millis(outage) }
          })
          const started = now()
          const failure = yield* within(
            "acquire on a hung store",
            outage + 3000,
            storeErrorOf(Effect.scoped(locker.acquire("job")))
          )
          const took = now() - started
          console.log(
            `hung store, maxStoreOutage ${outage} ms, requestTimeout ${requestTimeout} ms: acquire failed after ${took.toFixed(0)} ms`
          )
          assert.strictEqual(failure.reason, "Timeout")
          assert.isAtLeast(took, outage)
          // The outage is counted from the first request; the one in flight then ends within its timeout, and the
          // clean-up reads once (the first claim may have won the lease): two request timeouts, 250 ms for the rest.
          assert.isAtMost(took, outage + 2 * requestTimeout + 250)

          const tried = now()
          const tryFailure = yield* within(
            "tryAcquire on a hung store",
            3000,
            storeErrorOf(Effect.scoped(locker.tryAcquire("job")))
          )
          const tryTook = now() - tried
          console.log(`hung store: tryAcquire failed after ${tryTook.toFixed(0)} ms`)
          assert.strictEqual(tryFailure.reason, "Timeout")
          assert.isAtMost(tryTook, 2 * requestTimeout + 250)
        })
    )
  }
)
