import { Effect, Layer } from "effect"
import { MemoryTable } from "@dynalock/test-layer"
import * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"

// One table for the whole file, as a server's table is for the server backends: the suite keeps tests apart by
// giving each its own partition.
const table = Effect.runSync(MemoryTable.make)

KeyValueStoreSuite.run({
  name: "memory",
  layer: Layer.empty,
  storage: (partition) => Effect.succeed(table.storage(partition)),
  writeForeign: (partition, key, changes) => table.writeForeign(partition, key, changes),
  time: "test",
  exactSizes: true
})
