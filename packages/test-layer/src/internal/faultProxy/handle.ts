/** One request through the proxy: read it whole, ask the plan, apply the fault. */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Duration, Effect, Either } from "effect"
import { planFailed, serverError, throttled } from "./answers.js"
import type { Fault, Plan, ProxyRequest } from "./plan.js"
import type { Origin, StatsRecorder } from "./stats.js"
import { answer, connectionClosed, forward, readBody, resetConnection } from "./wire.js"
import type { Target } from "./wire.js"

/**
 * The header a client tags its requests with; the proxy groups its statistics by it.
 *
 * @since 0.2.0
 * @category clients
 */
export const clientHeader = "x-dynalock-client"

/** What every request's handling shares. */
interface Handling {
  readonly target: Target
  readonly plan: () => Plan
  readonly nextSequence: () => number
  readonly stats: StatsRecorder
  /** Runs an effect that outlives this request (a duplicate's second copy), until the proxy closes. */
  readonly detach: (effect: Effect.Effect<void>) => void
}

const operationOf = (request: IncomingMessage): string => {
  const target = request.headers["x-amz-target"]
  return typeof target === "string" && target.length > 0 ? target.slice(target.lastIndexOf(".") + 1) : "(none)"
}

const clientOf = (request: IncomingMessage): string | undefined => {
  const tag = request.headers[clientHeader]
  return typeof tag === "string" ? tag : undefined
}

const parsed = (body: Buffer): unknown =>
  Either.getOrUndefined(Either.try(() => JSON.parse(body.toString("utf8")) as unknown))

const sleep = (millis: number) => Effect.sleep(Duration.millis(Math.max(0, millis)))

/** Handles one request; never fails. A client that goes away mid-request is simply forgotten. */
export const handle = (handling: Handling, request: IncomingMessage, response: ServerResponse): Effect.Effect<void> =>
  Effect.gen(function* () {
    const body = yield* readBody(request)
    const proxyRequest: ProxyRequest = {
      operation: operationOf(request),
      body: parsed(body),
      client: clientOf(request),
      sequence: handling.nextSequence()
    }
    const origin: Origin = proxyRequest
    const { stats, target } = handling
    stats.received(origin)
    const decided = Either.try(() => handling.plan()(proxyRequest))
    if (Either.isLeft(decided)) return yield* answer(response, planFailed(decided.left, proxyRequest.sequence))
    const fault: Fault = decided.right
    if (fault._tag !== "Pass") stats.fault(origin, fault._tag)

    const socket = request.socket
    const send = Effect.suspend(() => {
      stats.forwarded(origin)
      return forward(target, request, body)
    }).pipe(Effect.tapError(() => Effect.sync(() => stats.targetFailed(origin))))
    const relay = Effect.flatMap(send, (received) => answer(response, received))

    switch (fault._tag) {
      case "Pass":
        return yield* relay
      case "DelayRequest":
        return yield* Effect.zipRight(sleep(fault.millis), relay)
      case "DelayAnswer": {
        const received = yield* send
        yield* sleep(fault.millis)
        return yield* answer(response, received)
      }
      case "DropAnswer":
        yield* send
        return yield* fault.how === "reset" ? resetConnection(socket) : connectionClosed(socket)
      case "Throttle":
        return yield* answer(response, throttled(proxyRequest.sequence))
      case "ServerError":
        return yield* answer(response, serverError(fault.status ?? 500, proxyRequest.sequence))
      case "Reset":
        return yield* resetConnection(socket)
      case "Hang":
        return yield* connectionClosed(socket)
      case "Duplicate":
        handling.detach(Effect.zipRight(sleep(fault.afterMillis), Effect.ignore(send)))
        return yield* relay
    }
  }).pipe(
    // No answer to relay (the server failed), or no client left: the connection is all there is to break.
    Effect.catchAll(() => resetConnection(request.socket))
  )
