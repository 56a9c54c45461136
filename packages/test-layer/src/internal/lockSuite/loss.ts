/** Loss: a holder whose record is taken away learns it and `withLock` interrupts its effect. */
import { assert, describe } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber } from "effect"
import type { LockSuiteContext } from "./context.js"

export const lockLossTests = <R>({ sharedClients, test, ttl, within }: LockSuiteContext<R>): void => {
  describe("loss", () => {
    test("when the lock record vanishes, lost fails with Vanished and withLock interrupts the effect with LockLost", () =>
      Effect.gen(function* () {
        // Only where lock records share the store's partition can a key/value delete reach one.
        const [a, b] = yield* sharedClients(2)
        const interrupted = yield* Deferred.make<void>()
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(
          a!.locker.withLock("job", { ttl })(
            Effect.zipRight(Deferred.succeed(started, undefined), Effect.never).pipe(
              Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
            )
          )
        )
        yield* within(ttl, Deferred.await(started))
        // Someone deletes the record behind the holder's back (an operator, or a buggy client).
        yield* b!.store.delete("job")
        const exit = yield* within(Duration.times(ttl, 2), Fiber.await(fiber))
        assert.isTrue(Exit.isFailure(exit))
        const error = yield* Effect.flip(exit)
        assert.strictEqual(error._tag, "LockLost")
        assert.isTrue(error._tag === "LockLost" && error.reason === "Vanished")
        assert.isTrue(yield* Deferred.isDone(interrupted), "the protected effect was interrupted")
      }))
  })
}
