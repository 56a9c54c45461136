/**
 * `KeyValueStore` and `Locker` on an in-memory table, with time from Effect's `Clock` so that `TestClock`
 * drives expiry and leases. It runs the same core semantics and lock protocol as the DynamoDB layer.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import type { Scope } from "effect"
import { Dynalock, Table } from "@dynalock/core"
import type { KeyValueStore, Locker } from "@dynalock/core"
import * as MemoryTable from "./MemoryTable.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface MemoryStoreOptions {
  /** Default "default". */
  readonly partition?: string | undefined
  /** The partition of the lock records; default `${partition}#locks`. */
  readonly lockPartition?: string | undefined
  /** A table shared with other stores; default a fresh one. */
  readonly table?: MemoryTable.MemoryTable | undefined
  readonly lock?: Dynalock.LockerSettings | undefined
}

const dynalockOptions = (options: MemoryStoreOptions | undefined): Dynalock.DynalockOptions => ({
  partition: options?.partition ?? "default",
  lockPartition: options?.lockPartition,
  lock: options?.lock
})

/**
 * One independent client (its own owner tokens and local waiter coordination) on a memory table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: MemoryStoreOptions): Effect.Effect<Dynalock.Services, never, Scope.Scope> =>
  Effect.flatMap(options?.table === undefined ? MemoryTable.make : Effect.succeed(options.table), (table) =>
    Effect.provideService(Dynalock.make(dynalockOptions(options)), Table.Table, table)
  )

/**
 * Both services on a memory table.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: MemoryStoreOptions): Layer.Layer<KeyValueStore | Locker> =>
  Dynalock.layer(dynalockOptions(options)).pipe(
    Layer.provide(options?.table === undefined ? MemoryTable.layer : Layer.succeed(Table.Table, options.table))
  )
