/**
 * A TypeScript script of the workspace run as a child process that speaks JSON lines: one event per stdout line,
 * "go" on stdin to start. Started in a scope and always killed when it closes. The cross-process tests and the
 * benchmarks share it.
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Duration, Effect } from "effect"
import type { Scope } from "effect"

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

/** Runs `scriptPath` on the TypeScript sources of the workspace (through tsx), with `args` as JSON. */
export const spawnJsonLines = <E>(
  scriptPath: string,
  args: unknown,
  nodeFlags: ReadonlyArray<string> = []
): Effect.Effect<ChildProcess<E>, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(
        process.execPath,
        [...nodeFlags, "--import", "tsx", "--conditions=@dynalock/source", scriptPath, JSON.stringify(args)],
        { cwd: root, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } }
      )
      const events: Array<E> = []
      const listeners = new Set<() => void>()
      const notify = () => listeners.forEach((listener) => listener())
      const eventListeners: Array<(event: E) => void> = []
      let stderr = ""
      let ended = false
      createInterface({ input: child.stdout! }).on("line", (line) => {
        let event: E
        try {
          event = JSON.parse(line) as E
        } catch {
          stderr = `${stderr}[stdout] ${line}\n`.slice(-4000)
          notify()
          return
        }
        events.push(event)
        eventListeners.forEach((listener) => listener(event))
        notify()
      })
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000)
      })
      child.on("exit", () => {
        ended = true
        notify()
      })
      // A stdin write to a process that just died must not crash the parent.
      child.stdin!.on("error", () => {})
      // Should the parent end without closing the scope, the child dies with it.
      const killOnExit = () => child.kill("SIGKILL")
      process.once("exit", killOnExit)

      const gone = Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        const done = () => resume(Effect.void)
        child.once("exit", done)
        return Effect.sync(() => child.off("exit", done))
      })

      const waitFor = <F extends E>(match: (event: E) => event is F, within: Duration.DurationInput): Effect.Effect<F> =>
        Effect.async<F, string>((resume) => {
          const check = () => {
            const found = events.find(match)
            if (found !== undefined) resume(Effect.succeed(found))
            else if (ended) resume(Effect.fail(`${scriptPath} (pid ${child.pid}) ended (${child.exitCode ?? child.signalCode}) first`))
          }
          listeners.add(check)
          check()
          return Effect.sync(() => listeners.delete(check))
        }).pipe(
          Effect.timeoutFail({
            duration: within,
            onTimeout: () => `no such event from ${scriptPath} (pid ${child.pid}) within ${Duration.format(within)}`
          }),
          Effect.catchAll((problem) =>
            Effect.dieMessage(`${problem}\nevents: ${JSON.stringify(events).slice(-1500)}\nstderr: ${stderr}`)
          )
        )

      const kill = (signal: NodeJS.Signals) =>
        Effect.suspend(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          return gone
        })

      const handle: ChildProcess<E> = {
        pid: child.pid ?? 0,
        events,
        start: Effect.sync(() => child.stdin!.write("go\n")),
        send: (line) => Effect.sync(() => child.stdin!.write(`${line}\n`)),
        onEvent: (listener) => {
          eventListeners.push(listener)
        },
        waitFor,
        kill,
        stderr: () => stderr
      }
      return { handle, kill, killOnExit }
    }),
    ({ kill, killOnExit }) =>
      kill("SIGKILL").pipe(
        Effect.timeout("5 seconds"),
        Effect.ignore,
        Effect.ensuring(Effect.sync(() => process.off("exit", killOnExit)))
      )
  ).pipe(Effect.map(({ handle }) => handle))
