/** The packaging test's memory app: `@dynalock/test-layer`'s main entry, with no AWS SDK installed. */
import { Effect } from "effect"
import { MemoryStore, MemoryTable } from "@dynalock/test-layer"
import { main } from "./scenario.js"

const table = Effect.runSync(MemoryTable.make)
main(MemoryStore.make({ table, partition: "app" }))
