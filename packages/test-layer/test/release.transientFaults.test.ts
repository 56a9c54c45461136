/**
 * A release that meets a transient fault (a throttle, a 5xx, a lost answer) is retried: the lease is given back at
 * once, not left to expire a ttl later. Semaphore permits used to give up at the first fault.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Dynalock } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"
import { misbehaving, serve } from "./support/faults.js"
import type { Misbehaviour } from "./support/faults.js"

/** A storage that serves everything until `arm(faults)`, then answers its next requests with those faults. */
const armable = (table: MemoryTable.MemoryTable) => {
  const pending: Array<Misbehaviour> = []
  const storage = misbehaving(table.storage("locks"), () => pending.shift() ?? serve)
  return { storage, arm: (...faults: ReadonlyArray<Misbehaviour>) => Effect.sync(() => pending.push(...faults)) }
}

const faults: ReadonlyArray<readonly [string, ReadonlyArray<Misbehaviour>]> = [
  ["refused twice", [{ _tag: "Fail" }, { _tag: "Fail" }]],
  ["applied, answer lost", [{ _tag: "LoseAnswer" }]],
  ["refused, then applied with its answer lost", [{ _tag: "Fail" }, { _tag: "LoseAnswer" }]]
]

describe("releases through transient faults (memory)", () => {
  for (const [name, injected] of faults) {
    it.scopedLive(`a semaphore permit's release, ${name}: every permit is free at once`, () =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        const { storage, arm } = armable(table)
        const { locker } = yield* Dynalock.makeOn(storage)
        const pool = locker.semaphore("pool", 2)
        yield* Effect.scoped(Effect.flatMap(pool.acquire(1), () => arm(...injected)))
        assert.strictEqual(yield* pool.available, 2)
      })
    )

    it.scopedLive(`a lock's release, ${name}: the lock is free at once`, () =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        const { storage, arm } = armable(table)
        const { locker } = yield* Dynalock.makeOn(storage)
        const other = yield* Dynalock.makeOn(table.storage("locks"))
        yield* Effect.scoped(Effect.flatMap(locker.acquire("job"), () => arm(...injected)))
        const next = yield* Effect.scoped(other.locker.tryAcquire("job"))
        assert.isTrue(next._tag === "Some", "another client takes the lock right after the release")
      })
    )
  }
})
