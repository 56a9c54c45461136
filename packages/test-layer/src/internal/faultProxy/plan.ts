/** What the proxy does with one request (a `Fault`), who decides it (a `Plan`), and plans built from plans. */
import { Data } from "effect"

/**
 * What the proxy does with one request.
 *
 * - `Pass`: forward it and relay the answer.
 * - `DelayRequest`: hold the request `millis`, then forward it: the write is applied late (even if the client
 *   has given up by then).
 * - `DelayAnswer`: forward at once (applied now), hold the answer `millis`, then send it.
 * - `DropAnswer`: forward, wait for the server's answer (so the write is applied), then destroy the client's
 *   connection (`"reset"`) or never answer (`"hang"`).
 * - `Throttle`: not forwarded; HTTP 400 `ProvisionedThroughputExceededException`, as DynamoDB answers it.
 * - `ServerError`: not forwarded; HTTP 500 `InternalServerError` (default) or 503 `ServiceUnavailable`.
 * - `Reset`: not forwarded; the client's connection is destroyed at once.
 * - `Hang`: not forwarded; no answer until the client gives up or the proxy's scope closes.
 * - `Duplicate`: forwarded twice, the second copy `afterMillis` after the first; the client gets the first
 *   copy's answer, the second's is discarded.
 *
 * @since 0.2.0
 * @category faults
 */
export type Fault = Data.TaggedEnum<{
  Pass: {}
  DelayRequest: { readonly millis: number }
  DelayAnswer: { readonly millis: number }
  DropAnswer: { readonly how: "reset" | "hang" }
  Throttle: {}
  ServerError: { readonly status?: 500 | 503 | undefined }
  Reset: {}
  Hang: {}
  Duplicate: { readonly afterMillis: number }
}>

/**
 * Constructors of faults, e.g. `Fault.Throttle()`, `Fault.DelayAnswer({ millis: 200 })`. Plain objects such as
 * `{ _tag: "Throttle" }` are faults too.
 *
 * @since 0.2.0
 */
export const Fault = Data.taggedEnum<Fault>()

/**
 * The kinds of fault other than `Pass`, which the statistics count.
 *
 * @since 0.2.0
 * @category faults
 */
export type FaultKind = Exclude<Fault["_tag"], "Pass">

/** Every `FaultKind`, in a fixed order. */
export const faultKinds: ReadonlyArray<FaultKind> = [
  "DelayRequest",
  "DelayAnswer",
  "DropAnswer",
  "Throttle",
  "ServerError",
  "Reset",
  "Hang",
  "Duplicate"
]

/**
 * A request as the plan sees it.
 *
 * @since 0.2.0
 * @category plans
 */
export interface ProxyRequest {
  /** From `X-Amz-Target`, e.g. `"UpdateItem"`; `"(none)"` without that header. */
  readonly operation: string
  /** The parsed JSON body; undefined if the body is not JSON. */
  readonly body: unknown
  /** The `x-dynalock-client` header, if the client sends one (see `tagClient`). */
  readonly client: string | undefined
  /** 0, 1, 2, ... in the order in which requests arrived whole (body included) at this proxy. */
  readonly sequence: number
}

/**
 * Decides the fault of each request. Called once per request, in `sequence` order. Plans made by `script`,
 * `once`, `times`, `nth` and `randomPlan` keep state (a count, a random generator): make a fresh one for each
 * use.
 *
 * @since 0.2.0
 * @category plans
 */
export type Plan = (request: ProxyRequest) => Fault

const passing: Fault = Fault.Pass()

const asPlan = (planOrFault: Plan | Fault): Plan =>
  typeof planOrFault === "function" ? planOrFault : () => planOrFault

/**
 * Forwards every request untouched.
 *
 * @since 0.2.0
 * @category plans
 */
export const pass: Plan = () => passing

/**
 * The same fault for every request.
 *
 * @since 0.2.0
 * @category plans
 */
export const always =
  (fault: Fault): Plan =>
  () =>
    fault

/**
 * `plan` (or `fault`) for the requests that match, `Pass` for the others (which `plan` never sees).
 *
 * @since 0.2.0
 * @category plans
 */
export const when =
  (predicate: (request: ProxyRequest) => boolean, plan: Plan | Fault): Plan =>
  (request) =>
    predicate(request) ? asPlan(plan)(request) : passing

/**
 * `plan` (or `fault`) for requests of these operations (`"UpdateItem"`, `["GetItem", "Query"]`), `Pass` for the others.
 *
 * @since 0.2.0
 * @category plans
 */
export const onOperation = (operations: string | ReadonlyArray<string>, plan: Plan | Fault): Plan => {
  const wanted = new Set(typeof operations === "string" ? [operations] : operations)
  return when((request) => wanted.has(request.operation), plan)
}

/**
 * `plan` (or `fault`) for requests of the client with this tag, `Pass` for the others.
 *
 * @since 0.2.0
 * @category plans
 */
export const onClient = (client: string, plan: Plan | Fault): Plan => when((request) => request.client === client, plan)

/**
 * The i-th request this plan is asked about gets `faults[i]`; every later one passes. Only the requests the plan
 * sees count: `onOperation("UpdateItem", script([...]))` counts UpdateItems.
 *
 * @since 0.2.0
 * @category plans
 */
export const script = (faults: ReadonlyArray<Fault>): Plan => {
  let seen = 0
  return () => faults[seen++] ?? passing
}

/**
 * The first `count` requests this plan sees get `fault`, the others pass.
 *
 * @since 0.2.0
 * @category plans
 */
export const times = (count: number, fault: Fault): Plan =>
  script(Array.from({ length: Math.max(0, count) }, () => fault))

/**
 * The first request this plan sees gets `fault`, the others pass.
 *
 * @since 0.2.0
 * @category plans
 */
export const once = (fault: Fault): Plan => times(1, fault)

/**
 * Only the `index`-th (from 0) request this plan sees gets `fault`.
 *
 * @since 0.2.0
 * @category plans
 */
export const nth = (index: number, fault: Fault): Plan =>
  script([...Array.from({ length: Math.max(0, index) }, () => passing), fault])

/**
 * Every plan is asked about every request (so each keeps its own count), and the first fault other than `Pass`
 * wins, e.g. `combine(onOperation("UpdateItem", once(throttle)), onOperation("GetItem", nth(2, hang)))`.
 *
 * @since 0.2.0
 * @category plans
 */
export const combine =
  (...plans: ReadonlyArray<Plan>): Plan =>
  (request) => {
    const faults = plans.map((plan) => plan(request))
    return faults.find((fault) => fault._tag !== "Pass") ?? passing
  }
