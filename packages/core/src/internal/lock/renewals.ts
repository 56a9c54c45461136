/**
 * One timer for all the leases of a client: each lease asks for its next renewal (or its loss) at a time, and a
 * single fiber sleeps until the earliest and starts what is due. Forking a fiber for every lease cost more than the
 * rest of an uncontended acquisition; a renewal now forks only when it is due, a third into its lease.
 */
import { Deferred, Effect, Exit, Fiber, FiberId } from "effect"
import type { Clock, Scope } from "effect"
import { withoutParentSpan } from "../tracing.js"

/** A task to start at `at` (epoch ms, the client's clock). */
interface Due {
  readonly at: number
  readonly task: Effect.Effect<void>
  /** Its place in the heap; -1 once taken out. */
  index: number
  /** The fiber running it, once started. */
  fiber: Fiber.RuntimeFiber<void> | undefined
}

/** Takes a scheduled task out; the effect returned stops it if it already started (`Effect.void` if not). */
export type Cancel = () => Effect.Effect<void>

export interface Renewals {
  /**
   * Starts `task` at `at`, in a fiber of the client's, unless cancelled before. The returned function cancels it at
   * once; what it returns interrupts the task if it already started (waiting until it has stopped).
   */
  readonly schedule: (at: number, task: Effect.Effect<void>) => Effect.Effect<Cancel>
  /** `schedule`, done at once: for a step of a fiber that does other work too. */
  readonly unsafeSchedule: (at: number, task: Effect.Effect<void>) => Cancel
}

/** A binary min-heap of tasks by time, each knowing its index so that it can be taken out at once. */
const makeHeap = () => {
  const items: Array<Due> = []
  const swap = (i: number, j: number) => {
    const a = items[i]!
    const b = items[j]!
    items[i] = b
    items[j] = a
    a.index = j
    b.index = i
  }
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (items[parent]!.at <= items[i]!.at) return
      swap(i, parent)
      i = parent
    }
  }
  const down = (i: number) => {
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let least = i
      if (left < items.length && items[left]!.at < items[least]!.at) least = left
      if (right < items.length && items[right]!.at < items[least]!.at) least = right
      if (least === i) return
      swap(i, least)
      i = least
    }
  }
  return {
    first: (): Due | undefined => items[0],
    push: (due: Due) => {
      due.index = items.length
      items.push(due)
      up(due.index)
    },
    remove: (due: Due) => {
      const i = due.index
      if (i < 0) return
      const last = items.pop()!
      due.index = -1
      if (last !== due) {
        items[i] = last
        last.index = i
        up(i)
        down(last.index)
      }
    }
  }
}

/** The client's renewals, their fiber living as long as the scope. */
export const makeRenewals: Effect.Effect<Renewals, never, Scope.Scope> = Effect.gen(function* () {
  const heap = makeHeap()
  const scope = yield* Effect.scope
  // When the scheduler sleeps, until when, and how to wake it earlier.
  let target = Number.POSITIVE_INFINITY
  let wake: Deferred.Deferred<void> | undefined

  const startDue = (now: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      const due = heap.first()
      if (due === undefined || due.at > now) return Effect.void
      heap.remove(due)
      return Effect.zipRight(
        Effect.map(Effect.forkIn(Effect.interruptible(due.task), scope), (fiber) => {
          due.fiber = fiber
        }),
        startDue(now)
      )
    })

  // Reads the clock and the heap and sets the new alarm in one step: a task scheduled between a heap read and the
  // new wake signal would find the old signal spent and the alarm about to be set past it (the fiber yields
  // between steps, after 2048 operations in one run, so with many leases due at once).
  const setAlarm = (clock: Clock.Clock) =>
    Effect.sync(() => {
      const now = clock.unsafeCurrentTimeMillis()
      const next = heap.first()
      // With nothing left to do, keep the alarm of the wake that got us here while it is ahead: the lease it was
      // for is usually released before the scheduler runs (an uncontended acquire and release in a row), and
      // going idle would make every acquisition wake it again (a fiber's resumption, a Deferred and a race each).
      target = next !== undefined ? next.at : target > now ? target : Number.POSITIVE_INFINITY
      wake = Deferred.unsafeMake<void>(FiberId.none)
      const woken = Deferred.await(wake)
      return target === Number.POSITIVE_INFINITY
        ? woken
        : Effect.raceFirst(Effect.sleep(Math.max(1, Math.ceil(target - now))), woken)
    })

  const scheduler: Effect.Effect<never> = Effect.clockWith((clock) =>
    Effect.forever(
      Effect.zipRight(
        Effect.suspend(() => startDue(clock.unsafeCurrentTimeMillis())),
        Effect.flatten(setAlarm(clock))
      )
    )
  )
  const unsafeSchedule = (at: number, task: Effect.Effect<void>): Cancel => {
    const due: Due = { at, task, index: -1, fiber: undefined }
    heap.push(due)
    // Only a task due before the scheduler's alarm needs it woken; the alarm moves at once, so that the tasks
    // scheduled after it, due later, do not wake it again.
    if (at < target) {
      target = at
      if (wake !== undefined) Deferred.unsafeDone(wake, Exit.void)
    }
    return () => {
      heap.remove(due)
      return due.fiber === undefined ? Effect.void : Fiber.interrupt(due.fiber)
    }
  }

  // Outside whatever span made the client (DynamoStore.make, say): each renewal is a span of its own.
  yield* Effect.forkScoped(Effect.interruptible(withoutParentSpan(scheduler)))

  return {
    schedule: (at, task) => Effect.sync(() => unsafeSchedule(at, task)),
    unsafeSchedule
  }
})
