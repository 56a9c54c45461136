/** A scripted stand-in for DynamoDB's HTTP endpoint, for failures no local server produces on demand. */
import { createServer } from "node:http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { Effect } from "effect"
import type { Scope } from "effect"

/** What to do with one request: answer with an error, hang, or break the connection. */
export type Reply =
  | {
      readonly _tag: "Error"
      readonly status: number
      readonly type: string
      readonly message?: string
      /** More fields of the error's body, e.g. the `Item` of a failed condition. */
      readonly fields?: Record<string, unknown>
    }
  | { readonly _tag: "Json"; readonly body: unknown }
  | { readonly _tag: "Hang" }
  | { readonly _tag: "Reset" }

/** A DynamoDB error answer: `type` is the error name, e.g. "ProvisionedThroughputExceededException". */
export const error = (status: number, type: string, message = `scripted ${type}`): Reply => ({
  _tag: "Error",
  status,
  type,
  message
})

export interface FakeDynamo {
  readonly clientConfig: DynamoDBClientConfig
  /** Operations received so far, in order (`GetItem`, `UpdateItem`, ...). */
  readonly requests: Array<string>
  /** Number of client connections that have closed. */
  readonly closedConnections: () => number
}

/** A fake endpoint on a free loopback port, answering each request with `script(operation, attempt)`. */
export const fakeDynamo = (
  script: (operation: string, attempt: number) => Reply
): Effect.Effect<FakeDynamo, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ fake: FakeDynamo; close: () => Promise<void> }>((resume) => {
      const requests: Array<string> = []
      const sockets = new Set<Socket>()
      let closed = 0
      const server = createServer((request: IncomingMessage, response: ServerResponse) => {
        const target = String(request.headers["x-amz-target"] ?? "")
        const operation = target.slice(target.indexOf(".") + 1)
        request.resume()
        request.on("end", () => {
          requests.push(operation)
          const reply = script(operation, requests.filter((o) => o === operation).length)
          switch (reply._tag) {
            case "Hang":
              return
            case "Reset":
              return request.socket.destroy()
            case "Json":
              response.writeHead(200, { "content-type": "application/x-amz-json-1.0" })
              return response.end(JSON.stringify(reply.body))
            case "Error":
              response.writeHead(reply.status, {
                "content-type": "application/x-amz-json-1.0",
                "x-amzn-errortype": reply.type
              })
              return response.end(
                JSON.stringify({
                  __type: `com.amazonaws.dynamodb.v20120810#${reply.type}`,
                  message: reply.message,
                  ...reply.fields
                })
              )
          }
        })
      })
      server.on("connection", (socket) => {
        sockets.add(socket)
        socket.on("close", () => {
          sockets.delete(socket)
          closed++
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(
          Effect.succeed({
            fake: {
              clientConfig: {
                endpoint: `http://127.0.0.1:${port}`,
                region: "local",
                credentials: { accessKeyId: "local", secretAccessKey: "local" }
              },
              requests,
              closedConnections: () => closed
            },
            close: () =>
              new Promise<void>((resolve) => {
                for (const socket of sockets) socket.destroy()
                server.close(() => resolve())
              })
          })
        )
      })
    }),
    ({ close }) => Effect.promise(close)
  ).pipe(Effect.map(({ fake }) => fake))
