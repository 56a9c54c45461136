// A storage wrapper for tests: counts requests, adds simulated latency, and injects failures.
import { Effect, Option } from "effect"
import { StoreError } from "@dynalock/core"
import type { Storage } from "@dynalock/core"

export type Operation = "get" | "update" | "delete" | "query"

/** What a request is in the lock protocol, told from its shape. */
export type LockStep = "read" | "claim" | "join" | "refresh" | "withdraw" | "renew" | "release" | "other"

export const lockStep = (operation: Operation, request: unknown): LockStep => {
  if (operation === "get") return "read"
  if (operation !== "update" || typeof request !== "object" || request === null) return "other"
  const update = request as Storage.UpdateRequest
  if (update.fenceSeed !== undefined) return "claim"
  if (update.line?._tag === "Append") return "join"
  if (update.line?._tag === "Replace") return "refresh"
  if (update.line?._tag === "Remove" && update.bump === false) return "withdraw"
  if (update.owner !== undefined && Option.isNone(update.owner)) return "release"
  if (update.expiresAt !== undefined && update.owner === undefined) return "renew"
  return "other"
}

/** What happens to one request: served; failed before reaching the table; applied but its answer lost. */
export type Fate = "pass" | "fail" | "lose"

export interface Instrumented {
  readonly storage: Storage.Storage
  readonly counts: Record<Operation, number>
  readonly total: () => number
}

export const instrument = (
  storage: Storage.Storage,
  options: {
    readonly latency?: number | undefined
    readonly fate?: ((operation: Operation, request: unknown) => Fate) | undefined
  } = {}
): Instrumented => {
  const counts: Record<Operation, number> = { get: 0, update: 0, delete: 0, query: 0 }
  const wrap =
    <A, Args extends ReadonlyArray<unknown>>(
      operation: Operation,
      run: (...args: Args) => Effect.Effect<A, StoreError>
    ) =>
    (...args: Args): Effect.Effect<A, StoreError> =>
      Effect.suspend(() => {
        counts[operation]++
        const fate = options.fate?.(operation, args[0]) ?? "pass"
        const delay = options.latency === undefined ? Effect.void : Effect.sleep(options.latency)
        const lost = new StoreError({ operation, reason: "Timeout", cause: "injected", detail: "injected fault" })
        if (fate === "fail") return Effect.zipRight(delay, Effect.fail(lost))
        if (fate === "lose") return Effect.zipRight(delay, Effect.zipRight(run(...args), Effect.fail(lost)))
        return Effect.zipRight(delay, run(...args))
      })
  return {
    storage: {
      table: storage.table,
      partition: storage.partition,
      get: wrap("get", storage.get),
      update: wrap("update", storage.update),
      delete: wrap("delete", storage.delete),
      query: wrap("query", storage.query)
    },
    counts,
    total: () => counts.get + counts.update + counts.delete + counts.query
  }
}
