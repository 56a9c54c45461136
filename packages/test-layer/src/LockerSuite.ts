/**
 * The `Locker` conformance suite: the lock semantics of the API contract, run the same way against every backend
 * (the memory layer under `TestClock`, dynalite and DynamoDB Local in real time with sub-second leases).
 *
 * It lives in its own entry point (`@dynalock/test-layer/LockerSuite`) because it imports `vitest`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { MemoryTable } from "@dynalock/test-layer"
 * import * as LockerSuite from "@dynalock/test-layer/LockerSuite"
 *
 * const table = Effect.runSync(MemoryTable.make)
 * LockerSuite.run({
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
import { lockAdminTests } from "./internal/lockSuite/admin.js"
import { lockBasicsTests } from "./internal/lockSuite/basics.js"
import { makeLockContext } from "./internal/lockSuite/context.js"
import { lockExclusionTests } from "./internal/lockSuite/exclusion.js"
import { lockLossTests } from "./internal/lockSuite/loss.js"
import { lockNamespaceTests } from "./internal/lockSuite/namespaces.js"
import { lockSemaphoreTests } from "./internal/lockSuite/semaphores.js"
import { lockWaitingTests } from "./internal/lockSuite/waiting.js"
import type { Backend } from "./internal/suite/backend.js"

export type { Backend } from "./internal/suite/backend.js"

/**
 * Registers the whole lock suite (a `describe` block named after the backend) in the calling test file.
 *
 * @since 0.1.0
 * @category suites
 */
export const run = <R>(backend: Backend<R>): void =>
  layer(backend.layer, { excludeTestServices: backend.time === "live" })(
    `Locker conformance (${backend.name})`,
    (it) => {
      const context = makeLockContext(backend, it)
      lockBasicsTests(context)
      lockWaitingTests(context)
      lockLossTests(context)
      lockExclusionTests(context)
      lockNamespaceTests(context)
      lockAdminTests(context)
      lockSemaphoreTests(context)
    }
  )
