/**
 * Local coordination of the waiters of one client: per key, only one fiber at a time waits on the store, and a
 * local release wakes it at once. Other local waiters queue in memory and cost no requests.
 */
import { Deferred, Effect, FiberId } from "effect"

interface Entry {
  /** Made when a second fiber of this client waits for the key. */
  turn: Effect.Semaphore | undefined
  /** Made when someone waits for a local release, completed (and dropped) by the next one. */
  wake: Deferred.Deferred<void> | undefined
  users: number
  /** Leases of this key held by this client right now. */
  holders: number
}

export interface Gate {
  /** Whether this client has nothing going on with `key`: no fiber waiting for it, no lease of it held. */
  readonly idle: (key: string) => boolean
  /** Runs `wait` when this client has no other fiber waiting on the store for `key`. */
  readonly serialize: <A, E, R>(key: string, wait: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Sleeps up to `millis`, or less if a lock on `key` is released locally meanwhile. */
  readonly sleep: (key: string, millis: number) => Effect.Effect<void>
  /** A lock on `key` was released by this client. */
  readonly released: (key: string) => Effect.Effect<void>
  /**
   * This client holds a lease of `key` until the returned effect is run (idempotent), which wakes the waiters.
   * Done at once, for a step of a fiber that does other work too.
   */
  readonly unsafeHold: (key: string) => Effect.Effect<void>
  /** Whether this client holds a lease of `key` right now. */
  readonly heldHere: (key: string) => boolean
  /** While this client holds `key`, its waiters need not ask the store: they wait for the local release. */
  readonly whileHeldHere: (key: string) => Effect.Effect<void>
}

export const makeGate = (): Gate => {
  const entries = new Map<string, Entry>()
  const unsafeEnter = (key: string) => {
    let entry = entries.get(key)
    if (entry === undefined) {
      entry = { turn: undefined, wake: undefined, users: 0, holders: 0 }
      entries.set(key, entry)
    }
    entry.users++
    return entry
  }
  const enter = (key: string) => Effect.sync(() => unsafeEnter(key))
  const leave = (key: string, entry: Entry) =>
    Effect.sync(() => {
      entry.users--
      if (entry.users === 0 && entries.get(key) === entry) entries.delete(key)
    })
  const wakeWaiters = (key: string) =>
    Effect.suspend(() => {
      const woken = entries.get(key)?.wake
      if (woken === undefined) return Effect.void
      entries.get(key)!.wake = undefined
      return Deferred.succeed(woken, undefined)
    })
  const unsafeHold = (key: string): Effect.Effect<void> => {
    const entry = unsafeEnter(key)
    entry.holders++
    let held = true
    return Effect.suspend(() => {
      if (!held) return Effect.void
      held = false
      entry.holders--
      return Effect.zipRight(wakeWaiters(key), leave(key, entry))
    })
  }
  const wakeOf = (entry: Entry) => (entry.wake ??= Deferred.unsafeMake<void>(FiberId.none))
  return {
    idle: (key) => !entries.has(key),
    serialize: (key, wait) =>
      Effect.acquireUseRelease(
        enter(key),
        (entry) => (entry.turn ??= Effect.unsafeMakeSemaphore(1)).withPermits(1)(wait),
        (entry) => leave(key, entry)
      ),
    sleep: (key, millis) => {
      const entry = entries.get(key)
      const sleep = Effect.sleep(Math.max(0, millis))
      return entry === undefined ? sleep : Effect.raceFirst(sleep, Deferred.await(wakeOf(entry)))
    },
    released: wakeWaiters,
    unsafeHold,
    heldHere: (key) => (entries.get(key)?.holders ?? 0) > 0,
    whileHeldHere: (key) =>
      Effect.suspend(() => {
        const entry = entries.get(key)
        return entry === undefined || entry.holders === 0 ? Effect.void : Deferred.await(wakeOf(entry))
      })
  }
}
