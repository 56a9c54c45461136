/**
 * A worker as a child process: started in a scope and SIGKILLed when the scope closes if it is still running.
 * It runs `node --import tsx worker.ts` directly, with no wrapper process in between, so that a SIGKILL reaches the
 * worker itself (killing a wrapper such as `npx` or the `tsx` CLI would leave the real process running).
 */
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { createInterface } from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Deferred, Effect, Either, Exit, Schema, Stream } from "effect"
import type { Scope } from "effect"
import { WorkerEventLine } from "./events.js"
import type { WorkerEvent } from "./events.js"

/** A line of a worker's output: one of its events, or anything else it printed. */
export type Output =
  | { readonly _tag: "Event"; readonly event: WorkerEvent }
  | { readonly _tag: "Text"; readonly worker: string; readonly line: string }

/** How a worker process ended. */
export interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running worker process. */
export interface WorkerProcess {
  readonly name: string
  readonly pid: number
  /** Its stdout and stderr, line by line; ends when the process has closed both. */
  readonly output: Stream.Stream<Output>
  /** Tells it to start working. */
  readonly go: Effect.Effect<void>
  /** Tells it to finish its current job and exit (closes its stdin). */
  readonly stop: Effect.Effect<void>
  /** SIGKILL, then wait until it is gone. */
  readonly kill: Effect.Effect<Ended>
  /** Waits until it has exited. */
  readonly ended: Effect.Effect<Ended>
}

const script = fileURLToPath(new URL("./worker.ts", import.meta.url))
// Resolved here rather than by node from the working directory, so the demo runs from any directory.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const decodeLine = Schema.decodeEither(WorkerEventLine)

const linesOf = (input: NodeJS.ReadableStream): Stream.Stream<string> =>
  Stream.fromAsyncIterable(createInterface({ input, crlfDelay: Infinity }), (error) => error).pipe(Stream.orDie)

/** Starts worker `name` with these extra environment variables (`undefined` removes one). */
export const spawnWorker = (
  name: string,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<WorkerProcess, never, Scope.Scope> =>
  Effect.gen(function* () {
    const ended = yield* Deferred.make<Ended>()
    const childEnv: Record<string, string> = {}
    for (const [key, value] of Object.entries({ ...process.env, ...env, DEMO_WORKER_NAME: name })) {
      if (value !== undefined) childEnv[key] = value
    }
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const child = spawn(process.execPath, ["--conditions=@dynalock/source", "--import", tsx, script], {
          stdio: ["pipe", "pipe", "pipe"],
          env: childEnv
        })
        child.once("exit", (code, signal) => Deferred.unsafeDone(ended, Exit.succeed({ code, signal })))
        // Writing to a worker that just died must not bring the demo down.
        child.stdin.on("error", () => {})
        return child
      }),
      (child) =>
        Effect.suspend(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          return Deferred.await(ended).pipe(Effect.timeout("5 seconds"), Effect.ignore)
        })
    )
    const parse = (line: string): Output =>
      Either.match(decodeLine(line), {
        onLeft: () => ({ _tag: "Text", worker: name, line }),
        onRight: (event) => ({ _tag: "Event", event })
      })
    return {
      name,
      pid: child.pid ?? 0,
      output: Stream.merge(linesOf(child.stdout), linesOf(child.stderr)).pipe(Stream.map(parse)),
      go: Effect.sync(() => void child.stdin.write("go\n")),
      stop: Effect.sync(() => void child.stdin.end()),
      kill: Effect.suspend(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        return Deferred.await(ended)
      }),
      ended: Deferred.await(ended)
    }
  })
