/**
 * @dynalock/core: an Effect-native key/value store and distributed lock on the DynamoDB item model.
 *
 * @since 0.1.0
 * @module
 * @mergeModuleWith <project>
 */
export * from "./Errors.js"
export type { KVPair, PreviousPair, TypedPair, Value } from "./KVPair.js"
export { KeyValueStore } from "./KeyValueStore.js"
export type { AtomicPutOptions, KeyValueStoreService, ReadOptions, SchemaStore, WriteOptions } from "./KeyValueStore.js"
export { Locker } from "./Locker.js"
export type { DistributedSemaphore, Lock, LockerService, LockOptions, LockState, Permit } from "./Locker.js"
export * as Dynalock from "./Dynalock.js"
export * as Storage from "./Storage.js"
export * as Table from "./Table.js"
export * as Observability from "./Observability.js"
