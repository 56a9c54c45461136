/**
 * The conformance suite of `@dynalock/core/PlatformKeyValueStore`: the adapter must answer every method of
 * `@effect/platform`'s `KeyValueStore` as the platform's own `layerMemory` does, on every backend, and turn the
 * store's failures into `PlatformError`s that keep the original error.
 *
 * Its own entry point (`@dynalock/test-layer/PlatformKeyValueStoreSuite`), as the other suites: it imports `vitest`
 * and `@effect/platform` (an optional peer dependency of this package). It takes the same `Backend` as
 * `KeyValueStoreSuite`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { MemoryTable } from "@dynalock/test-layer"
 * import * as PlatformKeyValueStoreSuite from "@dynalock/test-layer/PlatformKeyValueStoreSuite"
 *
 * const table = Effect.runSync(MemoryTable.make)
 * PlatformKeyValueStoreSuite.run({
 *   name: "memory",
 *   layer: Layer.empty,
 *   storage: (partition) => Effect.succeed(table.storage(partition)),
 *   time: "test",
 *   exactSizes: true
 * })
 * ```
 *
 * @since 0.2.0
 */
import { layer } from "@effect/vitest"
import { makePlatformContext } from "./internal/platformSuite/context.js"
import { platformErrorTests } from "./internal/platformSuite/errors.js"
import { platformMethodTests } from "./internal/platformSuite/methods.js"
import { platformModelTests } from "./internal/platformSuite/model.js"
import { platformSharingTests } from "./internal/platformSuite/sharing.js"
import { platformValueTests } from "./internal/platformSuite/values.js"
import type { Backend } from "./internal/suite/backend.js"

export type { Backend } from "./internal/suite/backend.js"

/**
 * Registers the whole suite (a `describe` block named after the backend) in the calling test file.
 *
 * @since 0.2.0
 * @category suites
 */
export const run = <R>(backend: Backend<R>): void =>
  layer(backend.layer, { excludeTestServices: backend.time === "live" })(
    `PlatformKeyValueStore conformance (${backend.name})`,
    (it) => {
      const context = makePlatformContext(backend, it)
      platformMethodTests(context)
      platformValueTests(context)
      platformModelTests(context)
      platformSharingTests(context)
      platformErrorTests(context)
    }
  )
