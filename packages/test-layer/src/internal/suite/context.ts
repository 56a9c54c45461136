/** What every group of the conformance suite gets: how to register a test, make clients and move time. */
import { randomUUID } from "node:crypto"
import type { Vitest } from "@effect/vitest"
import { Dynalock } from "@dynalock/core"
import type { KeyValueStore, Storage } from "@dynalock/core"
import { Clock, Duration, Effect, TestClock } from "effect"
import type { Scope } from "effect"
import type { Backend } from "./backend.js"

/** One client of the backend, bound to one partition. */
export interface Client {
  readonly partition: string
  readonly store: KeyValueStore["Type"]
  /** The raw storage of the same partition, to look under the store or write as other writers do. */
  readonly storage: Storage.Storage
}

/** What the groups of the suite share for one backend. */
export interface SuiteContext<R> {
  readonly backend: Backend<R>
  /** Registers a scoped test; the scope (and the clients made in it) closes when the test ends. */
  readonly test: (name: string, body: () => Effect.Effect<void, unknown, R | Scope.Scope>, timeout?: number) => void
  /** A client on a partition no other test uses. */
  readonly fresh: Effect.Effect<Client, unknown, R | Scope.Scope>
  /** A client on the given partition. */
  readonly on: (partition: string) => Effect.Effect<Client, unknown, R | Scope.Scope>
  /** A random partition name. */
  readonly newPartition: Effect.Effect<string>
  /** The store the suite builds itself over a (possibly wrapped) storage. */
  readonly storeOver: (storage: Storage.Storage) => Effect.Effect<KeyValueStore["Type"], never, Scope.Scope>
  /** The ttl expiry tests use: long under TestClock, sub-second in real time. */
  readonly ttl: Duration.Duration
  /** Lets time pass: `TestClock.adjust` or a real sleep. */
  readonly elapse: (duration: Duration.DurationInput) => Effect.Effect<void>
  /** Lets more than `ttl` pass, so that items written with `ttl` before it are expired. */
  readonly expire: Effect.Effect<void>
  /** The clock the store uses, in epoch milliseconds. */
  readonly now: Effect.Effect<number>
}

/** The context of one backend's run of the suite, over the `it` of its `layer(...)`. */
export const makeContext = <R>(backend: Backend<R>, it: Vitest.MethodsNonLive<R, boolean>): SuiteContext<R> => {
  const live = backend.time === "live"
  // Live: short enough to keep the suite fast, long enough that a write and the next read (a few ms on a local
  // server) happen well before expiry.
  const ttl = live ? Duration.millis(500) : Duration.seconds(10)
  const elapse = (duration: Duration.DurationInput) => (live ? Effect.sleep(duration) : TestClock.adjust(duration))
  const storeOver = (storage: Storage.Storage) => Effect.map(Dynalock.makeOn(storage), (services) => services.store)
  const on = (partition: string) =>
    Effect.gen(function* () {
      const storage = yield* backend.storage(partition)
      const services = backend.client === undefined ? yield* Dynalock.makeOn(storage) : yield* backend.client(partition)
      return { partition, store: services.store, storage }
    })
  const newPartition = Effect.sync(() => `kv-suite/${randomUUID()}`)
  return {
    backend,
    test: (name, body, timeout) => it.scoped(name, body, timeout),
    fresh: Effect.flatMap(newPartition, on),
    on,
    newPartition,
    storeOver,
    ttl,
    elapse,
    expire: elapse(Duration.times(ttl, 1.6)),
    now: Clock.currentTimeMillis
  }
}
