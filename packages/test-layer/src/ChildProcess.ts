/**
 * Child processes for tests, started in a scope and always stopped when it closes: a signal (SIGTERM by default),
 * then SIGKILL if the process is still there after a grace period. Should this process exit without closing the
 * scope, its children are SIGKILLed with it. `LocalDynamo`'s servers start here, and so do this repository's
 * cross-process tests, examples and benchmarks.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as ChildProcess from "@dynalock/test-layer/ChildProcess"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const child = yield* ChildProcess.spawn(process.execPath, ["worker.js"], {
 *       stdin: "pipe",
 *       onStdout: (line) => console.log(`worker: ${line}`)
 *     })
 *     yield* child.write("go\n")
 *     return yield* child.exited // { code, signal }
 *   })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { spawn as spawnProcess } from "node:child_process"
import type { ChildProcess as NodeChildProcess } from "node:child_process"
import { createInterface } from "node:readline"
import type { Readable } from "node:stream"
import { Deferred, Duration, Effect, FiberId, Option } from "effect"
import type { Scope } from "effect"

/**
 * How a process ended: its exit code, or the signal that ended it. Both are null for a process that could not be
 * started at all (its `output` says why).
 *
 * @since 0.2.0
 * @category models
 */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/**
 * @since 0.2.0
 * @category models
 */
export interface SpawnOptions {
  /** Default: this process's working directory. */
  readonly cwd?: string | undefined
  /** Added to this process's environment; a variable set to `undefined` is removed. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** "pipe" to write to the process (`write`, `end`); default "ignore". */
  readonly stdin?: "pipe" | "ignore" | undefined
  /** Every line the process writes to stdout, from the first, without its newline. */
  readonly onStdout?: ((line: string) => void) | undefined
  /** Every line the process writes to stderr, from the first, without its newline. */
  readonly onStderr?: ((line: string) => void) | undefined
  /** The signal that stops the process when the scope closes; default SIGTERM. */
  readonly stopSignal?: NodeJS.Signals | undefined
  /** How long the process may take to exit after `stopSignal` before it is SIGKILLed; default 5 seconds. */
  readonly stopGrace?: Duration.DurationInput | undefined
}

/**
 * A started process.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChildProcess {
  /** 0 for a process that could not be started. */
  readonly pid: number
  /** The last few thousand characters of its stdout and stderr, and why it could not start: for messages. */
  readonly output: Effect.Effect<string>
  /** Its exit, once it has exited; none while it runs. */
  readonly exitStatus: Effect.Effect<Option.Option<Exit>>
  /** Waits until it has exited. */
  readonly exited: Effect.Effect<Exit>
  /** Waits until it has exited and closed its pipes: every line of its output has been delivered. */
  readonly closed: Effect.Effect<Exit>
  /** Writes to its stdin (with `stdin: "pipe"`); a process that has just died is not an error. */
  readonly write: (text: string) => Effect.Effect<void>
  /** Closes its stdin. */
  readonly end: Effect.Effect<void>
  /** Sends it a signal, unless it has exited. */
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** Sends it a signal (default SIGKILL) and waits until it has exited. */
  readonly kill: (signal?: NodeJS.Signals) => Effect.Effect<Exit>
}

const outputKept = 4000
const defaultGrace = Duration.seconds(5)

// One exit hook for every child, rather than one listener each.
const live = new Set<NodeChildProcess>()
let exitHookInstalled = false
const killAllOnExit = () => {
  for (const child of live) child.kill("SIGKILL")
}

const environment = (overrides: Readonly<Record<string, string | undefined>> | undefined): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) delete env[name]
    else env[name] = value
  }
  return env
}

const hasExited = (child: NodeChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

/**
 * Starts `command` with `args` (no shell). When the scope closes, the process gets `stopSignal`, then SIGKILL
 * after `stopGrace` if it is still running, and the scope waits for it to be gone. Starting never fails: a
 * command that cannot be run is a process that ended at once (`exited` gives null code and signal, `output`
 * the reason).
 *
 * @since 0.2.0
 * @category constructors
 */
export const spawn = (
  command: string,
  args: ReadonlyArray<string>,
  options?: SpawnOptions
): Effect.Effect<ChildProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const exit = Deferred.unsafeMake<Exit>(FiberId.none)
      const close = Deferred.unsafeMake<Exit>(FiberId.none)
      let status: Exit | undefined
      let output = ""
      const keep = (text: string) => {
        output = `${output}${text}`.slice(-outputKept)
      }
      const child = spawnProcess(command, [...args], {
        cwd: options?.cwd,
        env: environment(options?.env),
        stdio: [options?.stdin ?? "ignore", "pipe", "pipe"]
      })
      // Reading both pipes also keeps a chatty process from blocking on a full pipe.
      const lines = (stream: Readable | null, listener: ((line: string) => void) | undefined) => {
        if (stream === null) return
        createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
          keep(`${line}\n`)
          listener?.(line)
        })
      }
      lines(child.stdout, options?.onStdout)
      lines(child.stderr, options?.onStderr)
      const ended = (ending: Exit) => {
        status = ending
        live.delete(child)
        Deferred.unsafeDone(exit, Effect.succeed(ending))
      }
      child.once("exit", (code, signal) => ended({ code, signal }))
      child.once("close", (code, signal) => Deferred.unsafeDone(close, Effect.succeed({ code, signal })))
      child.once("error", (error) => {
        keep(`${String(error)}\n`)
        // A process that never started emits no exit.
        if (child.pid === undefined) {
          ended({ code: null, signal: null })
          Deferred.unsafeDone(close, Effect.succeed({ code: null, signal: null }))
        }
      })
      // A write to a process that has just died must not bring this one down.
      child.stdin?.on("error", () => {})
      if (child.pid !== undefined) {
        live.add(child)
        if (!exitHookInstalled) {
          exitHookInstalled = true
          process.once("exit", killAllOnExit)
        }
      }

      const signal = (name: NodeJS.Signals) =>
        Effect.sync(() => {
          if (!hasExited(child)) child.kill(name)
        })
      const handle: ChildProcess = {
        pid: child.pid ?? 0,
        output: Effect.sync(() => output),
        exitStatus: Effect.sync(() => Option.fromNullable(status)),
        exited: Deferred.await(exit),
        closed: Deferred.await(close),
        write: (text) =>
          Effect.sync(() => {
            if (child.stdin !== null && child.stdin.writable) child.stdin.write(text)
          }),
        end: Effect.sync(() => child.stdin?.end()),
        signal,
        kill: (name = "SIGKILL") => Effect.zipRight(signal(name), Deferred.await(exit))
      }
      return handle
    }),
    (handle) => stop(handle, options?.stopSignal ?? "SIGTERM", Duration.decode(options?.stopGrace ?? defaultGrace))
  )

// A finalizer is uninterruptible: without `interruptible`, a timeout could not end a wait for a process that stays.
const stop = (handle: ChildProcess, signal: NodeJS.Signals, grace: Duration.Duration): Effect.Effect<void> =>
  Effect.gen(function* () {
    yield* handle.signal(signal)
    const stopped = yield* handle.exited.pipe(Effect.interruptible, Effect.timeout(grace), Effect.option)
    if (Option.isNone(stopped)) {
      yield* handle.signal("SIGKILL")
      yield* handle.exited.pipe(Effect.interruptible, Effect.timeout(grace), Effect.ignore)
    }
  })
