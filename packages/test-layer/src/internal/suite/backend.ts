/**
 * The backend descriptor every conformance suite takes. It lives here, not in a suite's entry point, so that the
 * suites' internals can name it without importing the entry points that re-export it.
 */
import type { Dynalock, Storage } from "@dynalock/core"
import type { Effect, Layer, Scope } from "effect"

/**
 * What the suite needs to know about a backend.
 *
 * @since 0.1.0
 * @category models
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
