/**
 * One lock library behind the interface the contender loop drives: acquire (waiting, with a time limit) and
 * release. Every adapter sends its requests to `endpoint` (the counting proxy) with its requests tagged.
 */
import type { Effect, Option, Scope } from "effect"

export interface HeldLock {
  /** The library's fencing token, where it has one (checked for order on the side). */
  readonly token: string | undefined
  readonly release: Effect.Effect<void>
}

export interface ContenderClient {
  /**
   * Waits for the lock on `key` for at most `timeoutMillis`; None when that time ran out. A library that cannot
   * cancel a wait may go on in the background: the worker process ends right after its run.
   */
  readonly acquire: (key: string, timeoutMillis: number) => Effect.Effect<Option.Option<HeldLock>>
  /** Requests sent so far, counted on the client, by operation (a cross-check of the server's count). */
  readonly requests: () => Record<string, number>
}

/** Where a contender's locks live. */
export interface ContenderEnvironment {
  /** The proxy in front of the shared server. */
  readonly endpoint: string
  /** `x-dynalock-client` on every request: the proxy counts by it. */
  readonly tag: string
  /** The table with dynalock's key schema (HASH `id`, RANGE `name`). */
  readonly keyedTable: string
  /** A table keyed by HASH `id` alone, for a library that cannot use a sort key. */
  readonly hashTable: string
  /** The partition (`id`) of this run's lock items. */
  readonly partition: string
}

export type MakeContender = (environment: ContenderEnvironment) => Effect.Effect<ContenderClient, never, Scope.Scope>
