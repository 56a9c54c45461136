/**
 * A TypeScript script of the workspace run as a child process that speaks JSON lines: one event per stdout line,
 * "go" on stdin to start. Started in a scope and always killed (SIGKILL) when it closes, by test-layer's
 * `ChildProcess`. The cross-process tests and the benchmarks share it.
 */
import { fileURLToPath } from "node:url"
import { Duration, Effect } from "effect"
import type { Scope } from "effect"
import { spawn } from "@dynalock/test-layer/ChildProcess"

// `--import tsx` is resolved from the working directory: the repository root holds tsx.
const root = fileURLToPath(new URL("../../../../", import.meta.url))

export interface ChildProcess<E> {
  readonly pid: number
  /** Every event so far, in order. */
  readonly events: ReadonlyArray<E>
  /** Writes "go": the script starts its run. */
  readonly start: Effect.Effect<void>
  /** Writes one line to the script's stdin (for scripts that take commands while they run). */
  readonly send: (line: string) => Effect.Effect<void>
  /** Calls `listener` with every event from now on, as it arrives (for replies that cannot wait for a poll). */
  readonly onEvent: (listener: (event: E) => void) => void
  /** The first event (past or future) that satisfies `match`; a defect if the process ends first or time runs out. */
  readonly waitFor: <F extends E>(match: (event: E) => event is F, within: Duration.DurationInput) => Effect.Effect<F>
  /** Sends `signal` and waits for the process to be gone. */
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** The end of what the script wrote on stderr so far (its warnings), and stdout lines that were no events. */
  readonly stderr: () => string
}

// `npm run bench` builds first and sets DYNALOCK_FROM_DIST=1: its workers then run the workspace packages from dist/
// (tsx's transform of the sources wraps every closure in a __name call, some 10% of a lock cycle's CPU).
const sourceCondition = process.env["DYNALOCK_FROM_DIST"] === "1" ? [] : ["--conditions=@dynalock/source"]

/**
 * Runs `scriptPath` through tsx with `args` as JSON, on the TypeScript sources of the workspace packages (or on their
 * build under DYNALOCK_FROM_DIST=1).
 */
export const spawnJsonLines = <E>(
  scriptPath: string,
  args: unknown,
  nodeFlags: ReadonlyArray<string> = []
): Effect.Effect<ChildProcess<E>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const events: Array<E> = []
    const listeners = new Set<(event: E) => void>()
    let stderr = ""
    const child = yield* spawn(
      process.execPath,
      [...nodeFlags, "--import", "tsx", ...sourceCondition, scriptPath, JSON.stringify(args)],
      {
        cwd: root,
        env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
        stdin: "pipe",
        stopSignal: "SIGKILL",
        onStdout: (line) => {
          let event: E
          try {
            event = JSON.parse(line) as E
          } catch {
            stderr = `${stderr}[stdout] ${line}\n`.slice(-4000)
            return
          }
          events.push(event)
          listeners.forEach((listener) => listener(event))
        },
        onStderr: (line) => {
          stderr = `${stderr}${line}\n`.slice(-4000)
        }
      }
    )

    const waitFor = <F extends E>(match: (event: E) => event is F, within: Duration.DurationInput): Effect.Effect<F> =>
      Effect.raceFirst(
        Effect.async<F>((resume) => {
          const found = events.find(match)
          if (found !== undefined) return resume(Effect.succeed(found))
          const check = (event: E) => {
            if (match(event)) resume(Effect.succeed(event))
          }
          listeners.add(check)
          return Effect.sync(() => listeners.delete(check))
        }),
        // Every line has been delivered once the pipes are closed: no such event is coming.
        Effect.flatMap(child.closed, (exit) => {
          const found = events.find(match)
          return found !== undefined
            ? Effect.succeed(found)
            : Effect.fail(`${scriptPath} (pid ${child.pid}) ended (${exit.code ?? exit.signal}) first`)
        })
      ).pipe(
        Effect.timeoutFail({
          duration: within,
          onTimeout: () => `no such event from ${scriptPath} (pid ${child.pid}) within ${Duration.format(within)}`
        }),
        Effect.catchAll((problem) =>
          Effect.dieMessage(`${problem}\nevents: ${JSON.stringify(events).slice(-1500)}\nstderr: ${stderr}`)
        )
      )

    return {
      pid: child.pid,
      events,
      start: child.write("go\n"),
      send: (line) => child.write(`${line}\n`),
      onEvent: (listener) => {
        listeners.add(listener)
      },
      waitFor,
      kill: (signal) => Effect.asVoid(child.kill(signal)),
      stderr: () => stderr
    } satisfies ChildProcess<E>
  })
