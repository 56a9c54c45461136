// The unreachable-store tests lean on a port staying closed for 15 s while other test files start servers on
// free ports. A port freed from listen(0) was handed to one of those servers in CI, and "unreachable" answered.
import { readFileSync } from "node:fs"
import { connect, createServer } from "node:net"
import type { Server } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { Scope } from "effect"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"

const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0])

const connectError = (port: number): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    const socket = connect(port, "127.0.0.1")
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed("connected"))
    })
    socket.once("error", (error: NodeJS.ErrnoException) => resume(Effect.succeed(error.code ?? "unknown")))
  })

const listeningOnFreePort: Effect.Effect<Server, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<Server>((resume) => {
    const server = createServer((socket) => socket.destroy())
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
)

const portOf = (server: Server): number => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}

describe("LocalDynamo.closedPort", () => {
  it.scoped("is refused, and lies outside the ports a server started on a free port can be given", () =>
    Effect.gen(function* () {
      const ports = yield* Effect.all(Array.from({ length: 20 }, () => LocalDynamo.closedPort))
      const servers = yield* Effect.all(Array.from({ length: 50 }, () => listeningOnFreePort))
      const given = new Set(servers.map(portOf))
      for (const port of ports) {
        assert.isBelow(port, ephemeralLow)
        assert.isAtLeast(port, 1024)
        assert.isFalse(given.has(port))
        assert.strictEqual(yield* connectError(port), "ECONNREFUSED")
      }
      assert.isAtLeast(Math.min(...given), ephemeralLow, "listen(0) hands out ephemeral ports only")
    })
  )
})
