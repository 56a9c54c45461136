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
import type { Dynalock, Storage } from "@dynalock/core"
import type { Effect, Layer, Scope } from "effect"
import { atomicTests } from "./internal/suite/atomic.js"
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

/**
 * What the suite needs to know about a backend.
 *
 * @since 0.1.0
 */
export interface Backend<R = never> {
  /** Shown in the test names, e.g. "memory", "dynalite". */
  readonly name: string
  /** Shared resources of the whole file (a server and its table); built once, closed after the last test. */
  readonly layer: Layer.Layer<R, unknown>
  /**
   * The storage contract for one partition of the shared table. Every test asks for a fresh random partition, so
   * tests never see each other's items on a shared server. The suite uses it to build clients (unless `client` is
   * given), to count query pages, and to write items the way other writers (Go dynalock) do.
   */
  readonly storage: (partition: string) => Effect.Effect<Storage.Storage, unknown, R | Scope.Scope>
  /** The backend's own public constructor for one partition; default `Dynalock.makeOn(storage(partition))`. */
  readonly client?: (partition: string) => Effect.Effect<Dynalock.Services, unknown, R | Scope.Scope>
  /**
   * "test": time is Effect's `TestClock` and tests move it with `TestClock.adjust` (the memory layer).
   * "live": real time; expiry tests use sub-second ttls and real waits (servers, whose SDK retries need real time).
   */
  readonly time: "test" | "live"
  /**
   * Whether the backend itself counts item sizes in UTF-8 bytes as DynamoDB does. dynalite counts UTF-16 code
   * units, so multibyte data over the real limit passes there; the suite then checks the backend's own size
   * limit with ASCII data only. (Core rejects oversized input before any request on every backend.)
   */
  readonly exactSizes: boolean
  /**
   * Writes an item as Go dynalock does: `version` + 1, `expires` set to the whole second of `expiresAt` when given,
   * `payload` when given, every other attribute left as it was. Where given, the suite checks how such foreign
   * writes read and how conditions judge them.
   */
  readonly writeForeign?: (
    partition: string,
    key: string,
    changes: { readonly expiresAt?: number; readonly payload?: Storage.Payload }
  ) => Effect.Effect<void, unknown, R | Scope.Scope>
}

/**
 * Registers the whole suite (a `describe` block named after the backend) in the calling test file.
 *
 * @since 0.1.0
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
