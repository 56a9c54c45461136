/**
 * `KeyValueStore` and `Locker` on an in-memory table, with time from Effect's `Clock` so that `TestClock`
 * drives expiry and leases. It runs the same core semantics and lock protocol as the DynamoDB layer.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Layer, Scope } from "effect"
import { Dynalock } from "@dynalock/core"
import type { KeyValueStore, Locker } from "@dynalock/core"
import * as MemoryTable from "./MemoryTable.js"

/**
 * @since 0.1.0
 */
export interface MemoryStoreOptions {
  /** Default "default". */
  readonly partition?: string
  /** A table shared with other stores; default a fresh one. */
  readonly table?: MemoryTable.MemoryTable
  readonly lock?: Dynalock.LockerSettings
}

const storageOf = (options: MemoryStoreOptions | undefined) =>
  Effect.map(options?.table === undefined ? MemoryTable.make : Effect.succeed(options.table), (table) =>
    table.storage(options?.partition ?? "default")
  )

const dynalockOptions = (options: MemoryStoreOptions | undefined): Dynalock.DynalockOptions =>
  options?.lock === undefined ? {} : { lock: options.lock }

/**
 * One independent client (its own owner tokens and local waiter coordination) on a memory table.
 *
 * @since 0.1.0
 */
export const make = (options?: MemoryStoreOptions): Effect.Effect<Dynalock.Services, never, Scope.Scope> =>
  Effect.flatMap(storageOf(options), (storage) => Dynalock.make(storage, dynalockOptions(options)))

/**
 * Both services on a memory table.
 *
 * @since 0.1.0
 */
export const layer = (options?: MemoryStoreOptions): Layer.Layer<KeyValueStore | Locker> =>
  Dynalock.layer(storageOf(options), dynalockOptions(options))
