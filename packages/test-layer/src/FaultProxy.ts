/**
 * A fault-injecting HTTP proxy for DynamoDB, on loopback: it sits between an AWS SDK client and a local server
 * (dynalite, DynamoDB Local), forwards each request byte for byte and, as its `Plan` decides per request,
 * throttles it, fails it with a 5xx, resets or hangs the connection, delays the request or the answer, drops
 * the answer after the write was applied, or applies the write twice. It counts requests by operation and by
 * client tag, on the server side of every retry.
 *
 * Delays follow the `Clock` of the scope that made the proxy: run it with the live clock (`it.live`,
 * `it.scopedLive`), since the server and the SDK's timeouts run on real time anyway.
 *
 * @since 0.2.0
 */
import { Agent, createServer } from "node:http"
import type { Server } from "node:http"
import type { Socket } from "node:net"
import { Duration, Effect, FiberSet } from "effect"
import type { Scope } from "effect"
import { Observability } from "@dynalock/core"
import { handle } from "./internal/faultProxy/handle.js"
import { pass } from "./internal/faultProxy/plan.js"
import type { Plan } from "./internal/faultProxy/plan.js"
import { makeStatsRecorder } from "./internal/faultProxy/stats.js"
import type { ProxyStats } from "./internal/faultProxy/stats.js"

export { clientHeader } from "./internal/faultProxy/handle.js"
export { tagClient } from "./internal/faultProxy/clientTag.js"
export type { TaggableClient } from "./internal/faultProxy/clientTag.js"
export {
  always,
  combine,
  Fault,
  nth,
  once,
  onClient,
  onOperation,
  pass,
  script,
  times,
  when
} from "./internal/faultProxy/plan.js"
export type { FaultKind, Plan, ProxyRequest } from "./internal/faultProxy/plan.js"
export { randomPlan } from "./internal/faultProxy/randomPlan.js"
export type { RandomPlanOptions } from "./internal/faultProxy/randomPlan.js"
export type { ProxyStats, TrafficStats } from "./internal/faultProxy/stats.js"

/**
 * @since 0.2.0
 * @category options
 */
export interface FaultProxyOptions {
  /** The server to forward to, on loopback: `http://127.0.0.1:PORT` (e.g. `LocalDynamo`'s `endpoint`). */
  readonly target: string
  /** Default `pass`: every request forwarded untouched. */
  readonly plan?: Plan | undefined
}

/**
 * A running proxy.
 *
 * @since 0.2.0
 * @category models
 */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: the `endpoint` of the SDK clients under test. */
  readonly endpoint: string
  /** Replaces the plan for the requests that arrive from now on. */
  readonly setPlan: (plan: Plan) => Effect.Effect<void>
  /** The counts since the start or the last `resetStats`. */
  readonly stats: Effect.Effect<ProxyStats>
  /** Zeroes every count (request `sequence` numbers go on). */
  readonly resetStats: Effect.Effect<void>
}

const host = "127.0.0.1"
const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"])
const closeGrace = Duration.seconds(5)

const targetOf = (target: string): Effect.Effect<{ readonly hostname: string; readonly port: number }> =>
  Effect.suspend(() => {
    const url = URL.canParse(target) ? new URL(target) : undefined
    if (url === undefined || url.protocol !== "http:" || !loopbackHosts.has(url.hostname)) {
      return Effect.dieMessage(`FaultProxy: the target must be an http:// URL on loopback, got "${target}"`)
    }
    return Effect.succeed({
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port === "" ? 80 : Number(url.port)
    })
  })

/** A server on a free loopback port that, when the scope closes, destroys every connection it has and closes. */
const listening = Effect.acquireRelease(
  Effect.async<{ readonly server: Server; readonly sockets: Set<Socket> }>((resume) => {
    const server = createServer()
    const sockets = new Set<Socket>()
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    // A malformed request or a client gone mid-headers: nothing to answer, nothing to crash.
    server.on("clientError", (_error, socket) => socket.destroy())
    server.once("error", (error) => resume(Effect.die(error)))
    server.listen(0, host, () => resume(Effect.succeed({ server, sockets })))
  }),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
      for (const socket of sockets) socket.destroy()
    }).pipe(Effect.timeout(closeGrace), Effect.ignore)
)

/**
 * Starts a proxy to `target` on a free port of 127.0.0.1. When the scope closes, requests in flight are
 * abandoned, every connection (to clients and to the server) is destroyed and the port is freed.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: FaultProxyOptions): Effect.Effect<FaultProxy, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { hostname, port } = yield* targetOf(options.target)
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent({ keepAlive: true })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const { server } = yield* listening
    // Acquired last, released first: request handlers stop before their connections go.
    const run = yield* FiberSet.makeRuntime<never, void, never>()
    let plan = options.plan ?? pass
    let sequence = 0
    const stats = makeStatsRecorder()
    const handling = {
      target: { hostname, port, agent },
      plan: () => plan,
      nextSequence: () => sequence++,
      stats,
      detach: (effect: Effect.Effect<void>) => {
        run(effect)
      }
    }
    server.on("request", (request, response) => {
      // A client that goes away is a normal event here, never an uncaught error.
      request.on("error", () => {})
      response.on("error", () => {})
      run(handle(handling, request, response))
    })
    const address = server.address()
    const listeningPort = typeof address === "object" && address !== null ? address.port : 0
    const proxy: FaultProxy = {
      endpoint: `http://${host}:${listeningPort}`,
      setPlan: (next) =>
        Effect.sync(() => {
          plan = next
        }),
      stats: Effect.sync(() => stats.snapshot()),
      resetStats: Effect.sync(() => stats.reset())
    }
    return proxy
  }).pipe(Observability.span("FaultProxy.make"))
