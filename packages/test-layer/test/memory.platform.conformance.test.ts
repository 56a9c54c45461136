import { Effect, Layer } from "effect"
import { MemoryTable } from "@dynalock/test-layer"
import * as PlatformKeyValueStoreSuite from "@dynalock/test-layer/PlatformKeyValueStoreSuite"

// One table for the whole file, as a server's is: the suite keeps tests apart by giving each its own partition.
const table = Effect.runSync(MemoryTable.make)

PlatformKeyValueStoreSuite.run({
  name: "memory",
  layer: Layer.empty,
  storage: (partition) => Effect.succeed(table.storage(partition)),
  time: "test",
  exactSizes: true
})
