/**
 * The lock protocol's requests as the fault proxy sees them: which kind each one is (read by its DynamoDB
 * expression, see src/internal/expressions.ts), and a plan wrapper that counts the faults each kind got.
 */
import type { Fault, Plan, ProxyRequest } from "@dynalock/test-layer/FaultProxy"

export const lockRequestKinds = ["read", "claim", "join", "refresh", "renew", "release", "withdraw", "other"] as const

export type LockRequestKind = (typeof lockRequestKinds)[number]

/** The request's update expression with each alias replaced by `#` and the attribute's name. */
const updateExpressionOf = (request: ProxyRequest): string => {
  const body = (typeof request.body === "object" && request.body !== null ? request.body : {}) as {
    readonly UpdateExpression?: unknown
    readonly ExpressionAttributeNames?: unknown
  }
  const expression = typeof body.UpdateExpression === "string" ? body.UpdateExpression : ""
  const names = (
    typeof body.ExpressionAttributeNames === "object" && body.ExpressionAttributeNames !== null
      ? body.ExpressionAttributeNames
      : {}
  ) as Record<string, unknown>
  return expression.replace(/#[A-Za-z0-9_]+/g, (alias) => {
    const name = names[alias]
    return typeof name === "string" ? `#${name}` : alias
  })
}

/**
 * The kind of a lock request. A claim is the only write that moves the fencing counter, a release the only one
 * that removes the owner; line changes without a version bump are joins (append), refreshes (an entry replaced)
 * and withdrawals (entries removed); a versioned write that touches neither owner nor line is a renewal.
 */
export const lockRequestKind = (request: ProxyRequest): LockRequestKind => {
  if (request.operation === "GetItem") return "read"
  if (request.operation !== "UpdateItem") return "other"
  const update = updateExpressionOf(request)
  if (update.includes("#fence")) return "claim"
  if (update.includes("list_append")) return "join"
  if (/REMOVE .*#owner/.test(update)) return "release"
  if (update.includes("#version")) return "renew"
  if (/SET #line\[\d+\]/.test(update)) return "refresh"
  if (/REMOVE #line\[\d+\]/.test(update)) return "withdraw"
  return "other"
}

/**
 * The kind of a semaphore's request (src/internal/semaphore in core). A claim is its only versioned write; a
 * holder's entry is renewed in place (`SET #holders[i]`) and removed on release (`REMOVE #holders[i]`); the line
 * works as a plain lock's does.
 */
export const semaphoreRequestKind = (request: ProxyRequest): LockRequestKind => {
  if (request.operation === "GetItem") return "read"
  if (request.operation !== "UpdateItem") return "other"
  const update = updateExpressionOf(request)
  if (update.includes("#version")) return "claim"
  if (update.includes("list_append")) return "join"
  if (/SET #holders\[\d+\]/.test(update)) return "renew"
  if (/REMOVE #holders\[\d+\]/.test(update)) return "release"
  if (/SET #line\[\d+\]/.test(update)) return "refresh"
  if (/REMOVE #line\[\d+\]/.test(update)) return "withdraw"
  return "other"
}

/** Faults (other than Pass) by request kind and fault kind. */
export type FaultCounts = Partial<Record<LockRequestKind, Partial<Record<Fault["_tag"], number>>>>

/** One request as the plan saw it: when (by the clock given to `tallied`), whose, which kind, which fault. */
export interface SeenRequest {
  readonly at: number
  readonly client: string | undefined
  readonly kind: LockRequestKind
  readonly fault: Fault["_tag"]
}

/**
 * `plan`, and a live tally of the faults it gave each kind of request (and of the requests of each kind). With a
 * `clock`, every request is also logged, to show what happened around a moment of interest. `kindOf` tells the
 * kinds apart (a plain lock's by default).
 */
export const tallied = (
  plan: Plan,
  clock?: () => number,
  kindOf: (request: ProxyRequest) => LockRequestKind = lockRequestKind
) => {
  const faults: FaultCounts = {}
  const requests: Partial<Record<LockRequestKind, number>> = {}
  const log: Array<SeenRequest> = []
  const counted: Plan = (request) => {
    const kind = kindOf(request)
    requests[kind] = (requests[kind] ?? 0) + 1
    const fault = plan(request)
    if (fault._tag !== "Pass") {
      const byFault = (faults[kind] ??= {})
      byFault[fault._tag] = (byFault[fault._tag] ?? 0) + 1
    }
    if (clock !== undefined) log.push({ at: clock(), client: request.client, kind, fault: fault._tag })
    return fault
  }
  return { plan: counted, faults, requests, log }
}

/**
 * Only the requests of these kinds get `plan`'s faults (and only they are shown to it); the others pass. `kindOf`
 * tells the kinds apart (a plain lock's by default).
 */
export const onLockRequest =
  (
    kinds: LockRequestKind | ReadonlyArray<LockRequestKind>,
    plan: Plan | Fault,
    kindOf: (request: ProxyRequest) => LockRequestKind = lockRequestKind
  ): Plan =>
  (request) => {
    const wanted: ReadonlyArray<LockRequestKind> = typeof kinds === "string" ? [kinds] : kinds
    if (!wanted.includes(kindOf(request))) return { _tag: "Pass" }
    return typeof plan === "function" ? plan(request) : plan
  }
