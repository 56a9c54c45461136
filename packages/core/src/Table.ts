/**
 * A table as a service: storage for any of its partitions. The backends provide it (`DynamoTable.layer`,
 * `MemoryTable.layer`); the services are built over it (`Dynalock.layer`), so that one table serves a store's
 * partition and its locks' partition, and any other backend can be plugged in.
 *
 * @since 0.2.0
 */
import { Context } from "effect"
import type { Storage } from "./Storage.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface TableService {
  /** The table's name, for error messages. */
  readonly name: string
  /** The storage contract for one partition of the table. */
  readonly storage: (partition: string) => Storage
}

/**
 * @since 0.2.0
 * @category tags
 */
export class Table extends Context.Tag("@dynalock/core/Table")<Table, TableService>() {}

/**
 * A table from a function giving the storage of each partition (to wrap a backend's storage, say).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (name: string, storage: (partition: string) => Storage): TableService => ({ name, storage })
