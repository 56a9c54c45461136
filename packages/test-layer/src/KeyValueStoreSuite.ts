/**
 * The `KeyValueStore` conformance suite: every key/value semantic of the API contract, run the same way against
 * every backend (the memory layer, dynalite, DynamoDB Local), so that a backend passes only if users cannot tell
 * it apart from the others.
 *
 * It lives in its own entry point (`@dynalock/test-layer/KeyValueStoreSuite`) because it imports `vitest`, which
 * throws when loaded outside a vitest run: importing `MemoryStore` from the main entry must stay safe in programs.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { MemoryTable } from "@dynalock/test-layer"
 * import * as KeyValueStoreSuite from "@dynalock/test-layer/KeyValueStoreSuite"
 *
 * const table = Effect.runSync(MemoryTable.make)
 * KeyValueStoreSuite.run({
 *   name: "memory",
 *   layer: Layer.empty,
 *   storage: (partition) => Effect.succeed(table.storage(partition)),
 *   time: "test",
 *   exactSizes: true
 * })
 * ```
 *
 * @since 0.1.0
 */
import { layer } from "@effect/vitest"
import { atomicTests } from "./internal/suite/atomic.js"
import type { Backend } from "./internal/suite/backend.js"
import { basicTests } from "./internal/suite/basics.js"
import { makeContext } from "./internal/suite/context.js"
import { expiryTests } from "./internal/suite/expiry.js"
import { goPayloadTests } from "./internal/suite/goPayloads.js"
import { inputTests } from "./internal/suite/input.js"
import { keyTests } from "./internal/suite/keys.js"
import { limitTests } from "./internal/suite/limits.js"
import { listTests } from "./internal/suite/list.js"
import { pagingTests } from "./internal/suite/paging.js"
import { partitionTests } from "./internal/suite/partitions.js"
import { schemaTests } from "./internal/suite/schema.js"
import { storageContractTests } from "./internal/suite/storageContract.js"

export type { Backend } from "./internal/suite/backend.js"

/**
 * Registers the whole suite (a `describe` block named after the backend) in the calling test file.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = <R>(backend: Backend<R>): void =>
  layer(backend.layer, { excludeTestServices: backend.time === "live" })(
    `KeyValueStore conformance (${backend.name})`,
    (it) => {
      const context = makeContext(backend, it)
      basicTests(context)
      keyTests(context)
      listTests(context)
      pagingTests(context)
      expiryTests(context)
      atomicTests(context)
      partitionTests(context)
      limitTests(context)
      inputTests(context)
      schemaTests(context)
      goPayloadTests(context)
      storageContractTests(context)
    }
  )
