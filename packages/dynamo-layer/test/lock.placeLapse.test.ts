/**
 * A waiter in line renews its place at least twice per queueGrace (LockerSettings.queueGrace), also when one of its
 * requests fails: a single transient failure must not cost it its place, nor leave a released lock idle until that
 * place lapses. Fault proxy in front of dynalite, real time, the default retry schedule.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Option, Schedule } from "effect"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { Fault } from "@dynalock/test-layer/FaultProxy"
import { onLockRequest, tallied } from "./support/lockRequests.js"
import { proxied } from "./support/proxied.js"
import type { Proxied } from "./support/proxied.js"

const now = (): number => performance.now()

const millis = (value: number) => Duration.millis(value)

const lineOf = (setup: Proxied, key: string) =>
  Effect.map(setup.rawLockRecord(key), (item) =>
    Option.match(item, {
      onNone: () => [],
      onSome: (record) => (Array.isArray(record.line) ? (record.line as Array<string>) : [])
    })
  )

const eventually = (what: string, check: Effect.Effect<boolean>, within = 5000) =>
  check.pipe(
    Effect.repeat({ schedule: Schedule.spaced("5 millis"), until: (ok) => ok }),
    Effect.timeoutFail({ duration: millis(within), onTimeout: () => new Error(`${what}: not within ${within} ms`) }),
    Effect.orDie
  )

layer(LocalDynamo.layer(), { excludeTestServices: true })("a place in line through a transient failure", (it) => {
  it.scoped(
    "the first in line whose renewal fails once (5xx) keeps its place and gets the released lock next, promptly",
    () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const grace = 400
        const faults = tallied(FaultProxy.pass)
        const setup = yield* proxied(server, faults.plan)
        const lock = { queueGrace: millis(grace), maxClockSkew: millis(100) }
        const holder = yield* setup.store({ tag: "holder", lock })
        const first = yield* setup.store({ tag: "first", lock })
        const second = yield* setup.store({ tag: "second", lock })
        const held = yield* holder.locker.acquire("job", { ttl: "2 seconds" })
        const entered: Array<{ readonly who: string; readonly at: number }> = []
        const wait = (who: string, client: typeof first) =>
          Effect.fork(
            Effect.scoped(
              Effect.flatMap(client.locker.acquire("job", { ttl: "2 seconds" }), () =>
                Effect.zipRight(
                  Effect.sync(() => entered.push({ who, at: now() })),
                  Effect.sleep("100 millis")
                )
              )
            )
          )
        const firstWaiting = yield* wait("first", first)
        yield* eventually(
          "the first in line",
          Effect.map(lineOf(setup, "job"), (line) => line.length === 1)
        )
        const secondWaiting = yield* wait("second", second)
        yield* eventually(
          "the second in line",
          Effect.map(lineOf(setup, "job"), (line) => line.length === 2)
        )
        // Long enough for the first waiter's retry schedule to grow to its longest step (1 s).
        yield* Effect.sleep("3 seconds")

        // Its next renewal of its place fails with a 5xx (not applied); the holder lets go right then.
        const failing = tallied(
          FaultProxy.onClient("first", onLockRequest("refresh", FaultProxy.once(Fault.ServerError({}))))
        )
        yield* setup.proxy.setPlan(failing.plan)
        yield* eventually(
          "the failed renewal",
          Effect.sync(() => (failing.faults.refresh?.ServerError ?? 0) === 1),
          2000
        )
        yield* held.release
        const released = now()
        yield* Fiber.join(firstWaiting)
        yield* Fiber.join(secondWaiting)

        const order = entered.map((entry) => `${entry.who} after ${(entry.at - released).toFixed(0)} ms`)
        console.log(
          `renewal of the first waiter's place failed once, then the release: ${order.join(", ")} (queueGrace ${grace} ms)`
        )
        assert.strictEqual(entered[0]?.who, "first", `the first in line lost its place: ${order.join(", ")}`)
        // It looks again within queueGrace / 2, as when nothing failed; 150 ms for a read and a claim.
        assert.isAtMost(entered[0]!.at - released, grace / 2 + 150)
      }),
    30_000
  )
})
