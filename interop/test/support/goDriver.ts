/**
 * The Go dynalock driver (interop/go/driver) as an Effect client: one driver process per Go client, started in a
 * scope and ended when it closes. Each call is one command line; its result line is matched by id. Go's sentinel
 * errors arrive as `GoFailure` with the error's name (`KeyNotFound`, `KeyModified`, ...).
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { Data, Duration, Effect, Encoding, Schema } from "effect"
import type { Scope } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { inject } from "vitest"

/** A Go dynalock error, by name: KeyNotFound, KeyExists, KeyModified, LockAcquireCancelled, LockAcquireFailed,
 *  Panic (the library panicked), Other. */
export class GoFailure extends Data.TaggedError("GoFailure")<{ readonly name: string; readonly message: string }> {}

/** A KVPair as Go sees it. */
export const GoPair = Schema.Struct({
  key: Schema.String,
  version: Schema.Number,
  /** Epoch seconds; 0 when the item has none. */
  expires: Schema.Number,
  /** The payload attribute as DynamoDB JSON; null when absent. */
  attribute: Schema.NullOr(Schema.Unknown),
  /** `BytesValue()` in base64, and whether it was non-nil. */
  bytes: Schema.optional(Schema.String),
  bytesOk: Schema.optional(Schema.Boolean),
  /** `UnmarshalStruct` into the requested type, as JSON, or why it failed. */
  value: Schema.optional(Schema.Unknown),
  decodeError: Schema.optional(Schema.String)
})
export type GoPair = typeof GoPair.Type

const Reply = Schema.Struct({
  id: Schema.optional(Schema.Number),
  ok: Schema.Boolean,
  atMs: Schema.Number,
  error: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  pair: Schema.optional(GoPair),
  pairs: Schema.optional(Schema.Array(GoPair)),
  exists: Schema.optional(Schema.Boolean),
  applied: Schema.optional(Schema.Boolean),
  deleted: Schema.optional(Schema.Boolean),
  acquired: Schema.optional(Schema.Boolean)
})
type Reply = typeof Reply.Type

/** An unsolicited line: the lock channel of a held lock closed (renewal failed, or its stop came). */
export const GoEvent = Schema.Struct({
  event: Schema.Literal("lockChannelClosed"),
  lock: Schema.String,
  atMs: Schema.Number
})
export type GoEvent = typeof GoEvent.Type

const decodeLine = Schema.decodeUnknownEither(Schema.parseJson(Schema.Union(Reply, GoEvent)))

/** The sample struct types the driver knows (samples.go). */
export type GoStruct = "Sample" | "Job"

/** What a Go write stores: bytes (WriteWithBytes), a struct (MarshalStruct), a raw attribute (DynamoDB JSON). */
export type GoValue =
  | { readonly bytes: Uint8Array }
  | { readonly struct: GoStruct; readonly value: unknown }
  | { readonly attribute: unknown }

/** A write's expiry: `ttl` (WriteWithTTL), `noExpires` (WriteWithNoExpires), or neither: Go's default 20 s. */
export interface GoExpiry {
  readonly ttl?: Duration.DurationInput
  readonly noExpires?: boolean
}

/** What Go's AtomicPut / AtomicDelete compare with: only version and expiry matter to it. */
export interface GoPrevious {
  readonly version: number
  /** Epoch seconds, 0 for none. */
  readonly expires: number
}

export interface GoLockOptions {
  readonly ttl?: Duration.DurationInput
  readonly renew?: boolean
  readonly poll?: boolean
  readonly bytes?: Uint8Array
}

export interface GoDriver {
  readonly pid: number
  /** Every lockChannelClosed event so far. */
  readonly events: ReadonlyArray<GoEvent>
  readonly put: (key: string, value?: GoValue, expiry?: GoExpiry) => Effect.Effect<void, GoFailure>
  readonly get: (key: string, decode?: GoStruct) => Effect.Effect<GoPair, GoFailure>
  readonly exists: (key: string) => Effect.Effect<boolean, GoFailure>
  readonly list: (prefix: string, decode?: GoStruct) => Effect.Effect<ReadonlyArray<GoPair>, GoFailure>
  readonly atomicPut: (
    key: string,
    options: { readonly value?: GoValue; readonly previous?: GoPrevious; readonly decode?: GoStruct } & GoExpiry
  ) => Effect.Effect<GoPair, GoFailure>
  readonly atomicDelete: (key: string, previous: GoPrevious | null) => Effect.Effect<boolean, GoFailure>
  readonly delete: (key: string) => Effect.Effect<void, GoFailure>
  /** NewLock(key, options) under a name of the test's choosing. */
  readonly newLock: (name: string, key: string, options?: GoLockOptions) => Effect.Effect<void, GoFailure>
  /** LockWithContext (or Lock with a stop channel); succeeds once Go holds the lock. */
  readonly lock: (
    name: string,
    options?: { readonly timeout?: Duration.DurationInput; readonly via?: "context" | "stopChan" }
  ) => Effect.Effect<void, GoFailure>
  readonly unlock: (name: string) => Effect.Effect<void, GoFailure>
  /** Cancels the context / closes the stop channel of the lock's latest Lock call. */
  readonly cancel: (name: string) => Effect.Effect<void, GoFailure>
  /** The first lockChannelClosed event of the lock (past or future); a defect if none comes in time. */
  readonly channelClosed: (name: string, within: Duration.DurationInput) => Effect.Effect<GoEvent>
}

/** The driver binary the global setup built. */
export const driverBinary = (): string => inject("goDriver")

const millis = (duration: Duration.DurationInput) => Duration.toMillis(Duration.decode(duration))

const valueFields = (value: GoValue | undefined): Record<string, unknown> =>
  value === undefined
    ? {}
    : "bytes" in value
      ? { bytes: Encoding.encodeBase64(value.bytes) }
      : "struct" in value
        ? { struct: { type: value.struct, value: value.value } }
        : { attribute: value.attribute }

const expiryFields = (expiry: GoExpiry | undefined): Record<string, unknown> => ({
  ...(expiry?.ttl === undefined ? {} : { ttlMs: millis(expiry.ttl) }),
  ...(expiry?.noExpires === true ? { noExpires: true } : {})
})

/** Starts a driver on the server's table, bound to `partition`, like `dynalock.New(svc, table, partition)`. */
export const startGoDriver = (
  server: Pick<LocalDynamo.LocalDynamoServer, "endpoint" | "tableName">,
  partition: string,
  options?: { readonly lockBackoff?: Duration.DurationInput }
): Effect.Effect<GoDriver, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const args = ["-endpoint", server.endpoint, "-table", server.tableName, "-partition", partition]
      if (options?.lockBackoff !== undefined) args.push("-lock-backoff", `${millis(options.lockBackoff)}ms`)
      const child = spawn(driverBinary(), args, { stdio: ["pipe", "pipe", "pipe"] })
      const waiting = new Map<number, (reply: Reply) => void>()
      const events: Array<GoEvent> = []
      const eventListeners = new Set<() => void>()
      let stderr = ""
      let ended = false
      let nextId = 1
      const endAll = () => {
        ended = true
        for (const resume of waiting.values()) {
          resume({
            ok: false,
            atMs: 0,
            error: "DriverEnded",
            message: `driver ended (${child.exitCode ?? child.signalCode}): ${stderr}`
          })
        }
        waiting.clear()
        eventListeners.forEach((listener) => listener())
      }
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const decoded = decodeLine(line)
        if (decoded._tag === "Left") {
          stderr = `${stderr}[unreadable stdout] ${line}\n`.slice(-4000)
          return
        }
        const message = decoded.right
        if ("event" in message) {
          events.push(message)
          eventListeners.forEach((listener) => listener())
        } else if (message.id !== undefined) {
          waiting.get(message.id)?.(message)
          waiting.delete(message.id)
        }
      })
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000)
      })
      child.on("exit", endAll)
      child.on("error", (error) => {
        stderr = `${stderr}${String(error)}\n`
        endAll()
      })
      child.stdin!.on("error", () => {})
      const killOnExit = () => child.kill("SIGKILL")
      process.once("exit", killOnExit)

      // A lock may wait for long; everything else answers within milliseconds.
      const send = (command: Record<string, unknown>, within: Duration.DurationInput = "30 seconds") =>
        Effect.async<Reply>((resume) => {
          if (ended) return resume(Effect.succeed({ ok: false, atMs: 0, error: "DriverEnded", message: stderr }))
          const id = nextId++
          waiting.set(id, (reply) => resume(Effect.succeed(reply)))
          child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`)
          return Effect.sync(() => waiting.delete(id))
        }).pipe(
          Effect.timeoutFail({ duration: within, onTimeout: () => `no reply to ${JSON.stringify(command)}` }),
          Effect.orDieWith((problem) => new Error(`${problem}\nstderr: ${stderr}`)),
          Effect.flatMap((reply) =>
            reply.ok
              ? Effect.succeed(reply)
              : reply.error === "DriverEnded" || reply.error === "BadCommand"
                ? Effect.dieMessage(`Go driver: ${reply.error}: ${reply.message ?? ""}`)
                : Effect.fail(new GoFailure({ name: reply.error ?? "Other", message: reply.message ?? "" }))
          )
        )

      const field = <A>(name: string, value: A | undefined): Effect.Effect<A> =>
        value === undefined ? Effect.dieMessage(`Go driver reply without ${name}`) : Effect.succeed(value)

      const driver: GoDriver = {
        pid: child.pid ?? 0,
        events,
        put: (key, value, expiry) =>
          Effect.asVoid(send({ op: "put", key, ...valueFields(value), ...expiryFields(expiry) })),
        get: (key, decode) =>
          Effect.flatMap(send({ op: "get", key, decode: decode ?? "" }), (reply) => field("pair", reply.pair)),
        exists: (key) => Effect.flatMap(send({ op: "exists", key }), (reply) => field("exists", reply.exists)),
        list: (prefix, decode) =>
          Effect.flatMap(send({ op: "list", prefix, decode: decode ?? "" }), (reply) => field("pairs", reply.pairs)),
        atomicPut: (key, options) =>
          Effect.flatMap(
            send({
              op: "atomicPut",
              key,
              decode: options.decode ?? "",
              ...(options.previous === undefined ? {} : { previous: options.previous }),
              ...valueFields(options.value),
              ...expiryFields(options)
            }),
            (reply) => field("pair", reply.pair)
          ),
        atomicDelete: (key, previous) =>
          Effect.flatMap(send({ op: "atomicDelete", key, previous }), (reply) => field("deleted", reply.deleted)),
        delete: (key) => Effect.asVoid(send({ op: "delete", key })),
        newLock: (name, key, lockOptions) =>
          Effect.asVoid(
            send({
              op: "newLock",
              lock: name,
              key,
              ...(lockOptions?.ttl === undefined ? {} : { ttlMs: millis(lockOptions.ttl) }),
              ...(lockOptions?.renew === undefined ? {} : { renew: lockOptions.renew }),
              ...(lockOptions?.poll === undefined ? {} : { poll: lockOptions.poll }),
              ...(lockOptions?.bytes === undefined ? {} : { bytes: Encoding.encodeBase64(lockOptions.bytes) })
            })
          ),
        lock: (name, lockOptions) =>
          Effect.asVoid(
            send(
              {
                op: "lock",
                lock: name,
                via: lockOptions?.via ?? "context",
                ...(lockOptions?.timeout === undefined ? {} : { timeoutMs: millis(lockOptions.timeout) })
              },
              "120 seconds"
            )
          ),
        unlock: (name) => Effect.asVoid(send({ op: "unlock", lock: name })),
        cancel: (name) => Effect.asVoid(send({ op: "cancel", lock: name })),
        channelClosed: (name, within) =>
          Effect.async<GoEvent>((resume) => {
            const check = () => {
              const found = events.find((event) => event.lock === name)
              if (found !== undefined) resume(Effect.succeed(found))
              else if (ended)
                resume(Effect.dieMessage(`Go driver ended before lock ${name}'s channel closed: ${stderr}`))
            }
            eventListeners.add(check)
            check()
            return Effect.sync(() => eventListeners.delete(check))
          }).pipe(
            Effect.timeoutFail({ duration: within, onTimeout: () => `lock ${name}'s channel did not close in time` }),
            Effect.orDie
          )
      }

      const stop = Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        // End of input ends the driver; should it not end, it is killed after a grace.
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000)
        child.once("exit", () => {
          clearTimeout(timer)
          resume(Effect.void)
        })
        child.stdin!.end()
        return Effect.sync(() => clearTimeout(timer))
      }).pipe(
        Effect.timeout("5 seconds"),
        Effect.ignore,
        Effect.ensuring(Effect.sync(() => process.off("exit", killOnExit)))
      )
      return { driver, stop }
    }),
    ({ stop }) => stop
  ).pipe(Effect.map(({ driver }) => driver))
