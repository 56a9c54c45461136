/**
 * @dynalock/test-layer: the in-memory layer. It needs no AWS SDK, server or Java: the local DynamoDB servers are
 * `@dynalock/test-layer/LocalDynamo`, the conformance suites `@dynalock/test-layer/KeyValueStoreSuite`,
 * `LockerSuite` and `PlatformKeyValueStoreSuite`, the fault-injecting proxy `@dynalock/test-layer/FaultProxy`.
 *
 * @since 0.1.0
 * @module
 * @mergeModuleWith <project>
 */
export * as MemoryStore from "./MemoryStore.js"
export * as MemoryTable from "./MemoryTable.js"
