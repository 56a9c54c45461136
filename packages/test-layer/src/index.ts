/**
 * @dynalock/test-layer: the in-memory layer, local DynamoDB servers and the conformance suites.
 *
 * @since 0.1.0
 * @module
 * @mergeModuleWith <project>
 */
export * as MemoryStore from "./MemoryStore.js"
export * as MemoryTable from "./MemoryTable.js"
export * as LocalDynamo from "./LocalDynamo.js"
