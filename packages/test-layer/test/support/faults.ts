// Storage wrappers that misbehave the way networks do: late answers, lost answers, a store that is gone.
import { Effect } from "effect"
import { StoreError } from "@dynalock/core"
import type { Storage } from "@dynalock/core"

/** What to do with one request: serve it, apply it and answer late, apply it and lose the answer, fail, or hang. */
export type Misbehaviour =
  | { readonly _tag: "Serve" }
  | { readonly _tag: "AnswerLate"; readonly millis: number }
  | { readonly _tag: "LoseAnswer" }
  | { readonly _tag: "Fail" }
  | { readonly _tag: "Hang" }

export const serve: Misbehaviour = { _tag: "Serve" }

type Operation = "get" | "update" | "delete" | "query"

const lost = (operation: string) =>
  new StoreError({
    operation,
    reason: "Timeout",
    cause: "injected",
    detail: "injected: the answer was lost",
    applied: "unknown"
  })
const refused = (operation: string) =>
  new StoreError({
    operation,
    reason: "Unavailable",
    cause: "injected",
    detail: "injected: the store is unreachable",
    applied: "no"
  })

/** A storage whose every request goes through `plan` first. */
export const misbehaving = (
  storage: Storage.Storage,
  plan: (operation: Operation, request: unknown) => Misbehaviour
): Storage.Storage => {
  const wrap =
    <A, Args extends ReadonlyArray<unknown>>(
      operation: Operation,
      run: (...args: Args) => Effect.Effect<A, StoreError>
    ) =>
    (...args: Args): Effect.Effect<A, StoreError> =>
      Effect.suspend(() => {
        const what = plan(operation, args[0])
        switch (what._tag) {
          case "Serve":
            return run(...args)
          case "AnswerLate":
            return Effect.flatMap(run(...args), (answer) => Effect.as(Effect.sleep(what.millis), answer))
          case "LoseAnswer":
            return Effect.zipRight(run(...args), Effect.fail(lost(operation)))
          case "Fail":
            return Effect.fail(refused(operation))
          case "Hang":
            return Effect.never
        }
      })
  return {
    table: storage.table,
    partition: storage.partition,
    get: wrap("get", storage.get),
    update: wrap("update", storage.update),
    delete: wrap("delete", storage.delete),
    query: wrap("query", storage.query)
  }
}

/** The update that would make its sender the lease's owner (any version of the protocol sets a fence with it). */
export const isClaim = (operation: Operation, request: unknown): boolean =>
  operation === "update" &&
  typeof request === "object" &&
  request !== null &&
  (request as { fenceSeed?: unknown }).fenceSeed !== undefined

/** The update that takes a place in line (a ticket, or a line entry). */
export const isJoin = (operation: Operation, request: unknown): boolean => {
  if (operation !== "update" || typeof request !== "object" || request === null) return false
  const update = request as { takeTicket?: unknown; line?: { _tag?: unknown } }
  return update.takeTicket === true || update.line?._tag === "Append"
}

/** Runs `plan` once for the first request it matches, and serves everything else. */
export const once = (
  matches: (operation: Operation, request: unknown) => boolean,
  what: Misbehaviour
): ((operation: Operation, request: unknown) => Misbehaviour) => {
  let done = false
  return (operation, request) => {
    if (done || !matches(operation, request)) return serve
    done = true
    return what
  }
}
