/**
 * @dynalock/dynamo-layer: `KeyValueStore` and `Locker` of `@dynalock/core` on Amazon DynamoDB.
 *
 * @since 0.1.0
 */
export * as DynamoStore from "./DynamoStore.js"
export * as DynamoTable from "./DynamoTable.js"
