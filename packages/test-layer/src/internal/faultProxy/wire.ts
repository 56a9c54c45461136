/**
 * The proxy's HTTP plumbing as effects: reading a request whole, forwarding it byte for byte, answering, and
 * breaking or waiting on the client's connection. Interrupting any of them releases what it holds.
 */
import { request as httpRequest } from "node:http"
import type { Agent, IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { Data, Effect } from "effect"
import type { Answer } from "./answers.js"

/** The client's connection closed before its request arrived whole. */
class ClientGone extends Data.TaggedError("ClientGone")<{}> {}

/** The server gave no answer to a forwarded request. */
class TargetFailed extends Data.TaggedError("TargetFailed")<{ readonly cause: unknown }> {}

/** Where requests are forwarded to. */
export interface Target {
  readonly hostname: string
  readonly port: number
  /** Keeps connections to the server alive between requests, as the SDK's own agent does. */
  readonly agent: Agent
}

/** The request's body, whole. The plan reads it, so it is buffered: DynamoDB requests are small. */
export const readBody = (request: IncomingMessage): Effect.Effect<Buffer, ClientGone> =>
  Effect.async<Buffer, ClientGone>((resume) => {
    const chunks: Array<Buffer> = []
    const onData = (chunk: Buffer) => chunks.push(chunk)
    const onEnd = () => {
      detach()
      resume(Effect.succeed(Buffer.concat(chunks)))
    }
    // "close" before "end" means the client went away mid-request; "error" comes with it.
    const onGone = () => {
      detach()
      resume(Effect.fail(new ClientGone()))
    }
    const detach = () => {
      request.off("data", onData)
      request.off("end", onEnd)
      request.off("close", onGone)
      request.off("error", onGone)
    }
    request.on("data", onData)
    request.on("end", onEnd)
    request.on("close", onGone)
    request.on("error", onGone)
    return Effect.sync(() => {
      detach()
      request.destroy()
    })
  })

/**
 * Sends the request to the target as it came: same method, path, header names (case and order), values and
 * body. Node adds only `Connection: keep-alive` when the client sent no `Connection` header (hop-by-hop,
 * never signed).
 */
export const forward = (target: Target, request: IncomingMessage, body: Buffer): Effect.Effect<Answer, TargetFailed> =>
  Effect.async<Answer, TargetFailed>((resume) => {
    let settled = false
    const settle = (result: Effect.Effect<Answer, TargetFailed>) => {
      if (settled) return
      settled = true
      resume(result)
    }
    const outgoing = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: request.rawHeaders,
        agent: target.agent
      },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          settle(
            Effect.succeed({
              status: response.statusCode ?? 502,
              statusMessage: response.statusMessage ?? "",
              rawHeaders: response.rawHeaders,
              body: Buffer.concat(chunks)
            })
          )
        )
        response.on("error", (cause) => settle(Effect.fail(new TargetFailed({ cause }))))
        response.on("close", () => {
          if (!response.complete) settle(Effect.fail(new TargetFailed({ cause: new Error("answer cut short") })))
        })
      }
    )
    outgoing.on("error", (cause) => settle(Effect.fail(new TargetFailed({ cause }))))
    outgoing.end(body)
    return Effect.sync(() => {
      settled = true
      outgoing.destroy()
    })
  })

const clientGone = (response: ServerResponse): boolean =>
  response.destroyed || response.socket === null || response.socket.destroyed

/** Sends an answer, unless the client has gone (then there is no one to tell). */
export const answer = (response: ServerResponse, answer: Answer): Effect.Effect<void> =>
  Effect.sync(() => {
    if (clientGone(response) || response.headersSent) return
    response.writeHead(answer.status, answer.statusMessage, [...answer.rawHeaders])
    response.end(answer.body)
  })

/** Breaks the client's connection with a TCP reset (the client sees ECONNRESET). */
export const resetConnection = (socket: Socket): Effect.Effect<void> =>
  Effect.sync(() => {
    if (socket.destroyed) return
    // resetAndDestroy refuses a socket that is still connecting or already ended; destroy is the fallback.
    try {
      socket.resetAndDestroy()
    } catch {
      socket.destroy()
    }
  })

/** Waits until the client closes its connection (gives up), however long that is. */
export const connectionClosed = (socket: Socket): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (socket.destroyed) return resume(Effect.void)
    const onClose = () => resume(Effect.void)
    socket.once("close", onClose)
    return Effect.sync(() => {
      socket.off("close", onClose)
    })
  })
