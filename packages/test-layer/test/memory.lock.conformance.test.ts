import { Effect, Layer } from "effect"
import { MemoryTable } from "@dynalock/test-layer"
import * as LockerSuite from "@dynalock/test-layer/LockerSuite"

const table = Effect.runSync(MemoryTable.make)

LockerSuite.run({
  name: "memory",
  layer: Layer.empty,
  storage: (partition) => Effect.succeed(table.storage(partition)),
  time: "test",
  exactSizes: true
})
