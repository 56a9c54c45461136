/** LocalDynamo starts a usable server and always stops it: no process is left behind, also when a test fails. */
import { createConnection } from "node:net"
import { ListTablesCommand } from "@aws-sdk/client-dynamodb"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { rawClient } from "./support/dynamo.js"

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const refuses = (endpoint: string) =>
  Effect.async<boolean>((resume) => {
    const url = new URL(endpoint)
    const socket = createConnection(Number(url.port), url.hostname)
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(false))
    })
    socket.once("error", () => resume(Effect.succeed(true)))
  })

const children = [
  { engine: "dynalite", childProcess: true },
  { engine: "dynamodb-local" }
] as const satisfies ReadonlyArray<LocalDynamo.LocalDynamoOptions>

describe("LocalDynamo", () => {
  for (const options of children) {
    it.live(`${options.engine} runs in a child process that is gone once the scope closes, even after a failure`, () =>
      Effect.gen(function* () {
        let server: LocalDynamo.LocalDynamoServer | undefined
        const exit = yield* Effect.exit(
          Effect.scoped(
            Effect.gen(function* () {
              server = yield* LocalDynamo.make({ ...options, tableName: "checked" })
              assert.notStrictEqual(server.pid, process.pid)
              assert.isTrue(alive(server.pid))
              const client = yield* rawClient(server.clientConfig)
              const tables = yield* Effect.promise(() => client.send(new ListTablesCommand({})))
              assert.deepStrictEqual(tables.TableNames, ["checked"])
              return yield* Effect.fail("the test failed")
            })
          )
        )
        assert.deepStrictEqual(exit, Exit.fail("the test failed"))
        assert.isDefined(server)
        assert.isFalse(alive(server!.pid), "server process still running")
        assert.isTrue(yield* refuses(server!.endpoint))
      })
    )
  }

  it.live("in-process dynalite stops listening once the scope closes", () =>
    Effect.gen(function* () {
      const server = yield* Effect.scoped(
        Effect.tap(LocalDynamo.make(), (server) =>
          Effect.gen(function* () {
            assert.strictEqual(server.pid, process.pid)
            assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/)
            assert.deepStrictEqual(server.clientConfig.region, "local")
            assert.isFalse(yield* refuses(server.endpoint))
          })
        )
      )
      assert.isTrue(yield* refuses(server.endpoint))
    })
  )
})
