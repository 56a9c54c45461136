/** Mutual exclusion among independent clients, with fencing tokens increasing in order of entry. */
import { assert, describe } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { LockSuiteContext } from "./context.js"

export const lockExclusionTests = <R>({ clients, test, ttl, within }: LockSuiteContext<R>): void => {
  describe("mutual exclusion", () => {
    test(
      "4 clients x 3 rounds: critical sections never overlap and fencing tokens strictly increase",
      () =>
        Effect.gen(function* () {
          const contenders = yield* clients(4)
          let inside = 0
          const violations: Array<string> = []
          const tokens: Array<bigint> = []
          const section = Duration.toMillis(ttl) / 8
          const worker = (index: number) =>
            Effect.forEach(
              [1, 2, 3],
              () =>
                Effect.scoped(
                  Effect.gen(function* () {
                    const lock = yield* contenders[index]!.locker.acquire("shared", { ttl })
                    inside++
                    if (inside > 1) violations.push(`client ${index} entered while ${inside - 1} other(s) inside`)
                    tokens.push(lock.fencingToken)
                    yield* Effect.sleep(Duration.millis(section))
                    inside--
                  })
                ),
              { discard: true }
            )
          yield* within(
            Duration.seconds(60),
            Effect.all([0, 1, 2, 3].map(worker), { concurrency: "unbounded", discard: true })
          )
          assert.deepStrictEqual(violations, [])
          assert.strictEqual(tokens.length, 12)
          assert.isTrue(
            tokens.every((token, i) => i === 0 || token > tokens[i - 1]!),
            `tokens ${tokens.join(", ")}`
          )
        }),
      90_000
    )
  })
}
