/** `npm run demo`: the key/value walkthrough on the in-memory store. */
import { Effect } from "effect"
import { MemoryStore } from "@dynalock/test-layer"
import { walkthrough } from "./program.js"

Effect.runPromise(walkthrough.pipe(Effect.provide(MemoryStore.layer()))).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
