/**
 * A lock's release when its scope closes is bounded: a store that hangs, or answers late, never holds the scope's
 * closing longer than the finalizer bound (5 s); a store that answers at once releases without any wait at all.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Scope, TestClock } from "effect"
import { Dynalock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { lockStep } from "./support/instrument.js"
import { misbehaving, serve } from "./support/faults.js"
import type { Misbehaviour } from "./support/faults.js"

/** A lock held in a scope of its own, on a store whose releases meet `release`. */
const heldOn = (release: Misbehaviour) =>
  Effect.gen(function* () {
    const table = yield* MemoryTable.make
    const storage = misbehaving(table.storage("locks"), (operation, request) =>
      lockStep(operation, request) === "release" ? release : serve
    )
    const { locker } = yield* Dynalock.makeOn(storage)
    const scope = yield* Scope.make()
    yield* Scope.extend(locker.acquire("job", { ttl: "20 seconds" }), scope)
    const owner = () =>
      Effect.map(table.storage("locks").get("job", true), (record) => Option.flatMap(record, (item) => item.lock.owner))
    return { scope, owner }
  })

describe("the release when a lock's scope closes (memory, TestClock)", () => {
  it.scoped("a store that hangs: the scope closes after the bound, the lease is left to expire", () =>
    Effect.gen(function* () {
      const { scope, owner } = yield* heldOn({ _tag: "Hang" })
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("4900 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(closing)), "still closing before the bound")
      yield* TestClock.adjust("200 millis")
      const closed = yield* Fiber.poll(closing)
      assert.isTrue(Option.isSome(closed) && Exit.isSuccess(closed.value), "closed, its release left to expiry")
      assert.isTrue(Option.isSome(yield* owner()), "the lease is still in the record")
    })
  )

  it.scoped("a store that answers late, within the bound: the scope closes with the answer, the lock released", () =>
    Effect.gen(function* () {
      const { scope, owner } = yield* heldOn({ _tag: "AnswerLate", millis: 1_000 })
      const closing = yield* Effect.fork(Scope.close(scope, Exit.void))
      yield* TestClock.adjust("999 millis")
      assert.isTrue(Option.isNone(yield* Fiber.poll(closing)))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isSome(yield* Fiber.poll(closing)))
      assert.isTrue(Option.isNone(yield* owner()), "released")
    })
  )

  it.scoped("a store that answers at once: the scope closes in the same step, the lock released", () =>
    Effect.gen(function* () {
      const { scope, owner } = yield* heldOn(serve)
      yield* Scope.close(scope, Exit.void)
      assert.isTrue(Option.isNone(yield* owner()), "released")
    })
  )
})
