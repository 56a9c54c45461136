/**
 * The conformance suites of `@dynalock/test-layer` on a DynamoDB table of your own (your region, your IAM policy,
 * your table's settings): a suite backend over `DynamoTable`, the public way to get the storage contract of any
 * partition of a table. In a test file of your project:
 *
 * ```ts
 * import { DynamoTable } from "@dynalock/dynamo-layer"
 * import * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"
 * import * as LockerSuite from "@dynalock/test-layer/LockerSuite"
 *
 * const backend = tableBackend("my table", DynamoTable.layer({ tableName: "my-dynalock-table" }))
 * KeyValueStoreSuite.run(backend)
 * LockerSuite.run(backend)
 * ```
 *
 * Every test uses a fresh random partition, so nothing else in the table is touched; the test items stay behind
 * (most expire within a second: with TTL on `expires`, DynamoDB deletes them later). Use a scratch table.
 */
import { Effect } from "effect"
import type { Layer } from "effect"
import { Table } from "@dynalock/core"
import type * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"

export const tableBackend = (
  name: string,
  table: Layer.Layer<Table.Table, unknown>
): KeyValueStoreSuite.Backend<Table.Table> => ({
  name,
  // One table (and one client) for the whole test file.
  layer: table,
  storage: (partition) => Effect.map(Table.Table, (service) => service.storage(partition)),
  // Real time: expiry tests use sub-second ttls and real waits.
  time: "live",
  // DynamoDB counts item sizes in UTF-8 bytes, as core does (dynalite does not: set false there).
  exactSizes: true
})
