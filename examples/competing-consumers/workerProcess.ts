/**
 * A worker as a child process (test-layer's `ChildProcess`): started in a scope and SIGKILLed when the scope closes
 * if it is still running. It runs `node --import tsx worker.ts` directly, with no wrapper process in between, so
 * that a SIGKILL reaches the worker itself (killing a wrapper such as `npx` or the `tsx` CLI would leave the real
 * process running).
 */
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect, Either, Mailbox, Schema } from "effect"
import type { Scope, Stream } from "effect"
import * as ChildProcess from "@dynalock/test-layer/ChildProcess"
import { WorkerEventLine } from "./events.js"
import type { WorkerEvent } from "./events.js"

/** A line of a worker's output: one of its events, or anything else it printed. */
export type Output =
  | { readonly _tag: "Event"; readonly event: WorkerEvent }
  | { readonly _tag: "Text"; readonly worker: string; readonly line: string }

/** How a worker process ended. */
export type Ended = ChildProcess.Exit

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

/** Starts worker `name` with these extra environment variables (`undefined` removes one). */
export const spawnWorker = (
  name: string,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<WorkerProcess, never, Scope.Scope> =>
  Effect.gen(function* () {
    const output = yield* Mailbox.make<Output>()
    const parse = (line: string): Output =>
      Either.match(decodeLine(line), {
        onLeft: () => ({ _tag: "Text", worker: name, line }),
        onRight: (event) => ({ _tag: "Event", event })
      })
    const child = yield* ChildProcess.spawn(
      process.execPath,
      ["--conditions=@dynalock/source", "--import", tsx, script],
      {
        env: { ...env, DEMO_WORKER_NAME: name },
        stdin: "pipe",
        stopSignal: "SIGKILL",
        onStdout: (line) => output.unsafeOffer(parse(line)),
        onStderr: (line) => output.unsafeOffer(parse(line))
      }
    )
    // Once both pipes are closed no line is coming: the stream ends.
    yield* Effect.forkScoped(Effect.zipRight(child.closed, output.end))
    return {
      name,
      pid: child.pid,
      output: Mailbox.toStream(output),
      go: child.write("go\n"),
      stop: child.end,
      kill: child.kill(),
      ended: child.exited
    }
  })
