/** Lock workers as child processes of a test: started in a scope, always killed when it closes. */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { createInterface } from "node:readline"
import { Duration, Effect } from "effect"
import type { Scope } from "effect"
import type { WorkerArgs, WorkerEvent } from "./workerProtocol.js"

const script = fileURLToPath(new URL("./lockWorker.ts", import.meta.url))
// `--import tsx` is resolved from the working directory: the repository root holds tsx.
const root = fileURLToPath(new URL("../../../../", import.meta.url))

export interface WorkerProcess {
  readonly pid: number
  /** Every event so far, in order. */
  readonly events: ReadonlyArray<WorkerEvent>
  /** Tells the worker to start its rounds. */
  readonly start: Effect.Effect<void>
  /** The first event (past or future) that satisfies `match`; a defect if the worker ends first or time runs out. */
  readonly waitFor: <E extends WorkerEvent>(
    match: (event: WorkerEvent) => event is E,
    within: Duration.DurationInput
  ) => Effect.Effect<E>
  /** Sends `signal` and waits for the process to be gone. */
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
}

/** Narrowing helper: events with this tag. */
export const tagged =
  <T extends WorkerEvent["_tag"]>(tag: T) =>
  (event: WorkerEvent): event is Extract<WorkerEvent, { readonly _tag: T }> =>
    event._tag === tag

export const spawnWorker = (args: WorkerArgs): Effect.Effect<WorkerProcess, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@dynalock/source", script, JSON.stringify(args)], {
        cwd: root,
        stdio: ["pipe", "pipe", "pipe"],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
      })
      const events: Array<WorkerEvent> = []
      const listeners = new Set<() => void>()
      const notify = () => listeners.forEach((listener) => listener())
      let stderr = ""
      let ended = false
      createInterface({ input: child.stdout! }).on("line", (line) => {
        try {
          events.push(JSON.parse(line) as WorkerEvent)
        } catch {
          stderr += `[stdout] ${line}\n`
        }
        notify()
      })
      child.stderr!.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-4000)
      })
      child.on("exit", () => {
        ended = true
        notify()
      })
      // A stdin write to a process that just died must not crash the test runner.
      child.stdin!.on("error", () => {})
      // Should this process end without closing the scope, the worker dies with it.
      const killOnExit = () => child.kill("SIGKILL")
      process.once("exit", killOnExit)

      const gone = Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        const done = () => resume(Effect.void)
        child.once("exit", done)
        return Effect.sync(() => child.off("exit", done))
      })

      const waitFor = <E extends WorkerEvent>(
        match: (event: WorkerEvent) => event is E,
        within: Duration.DurationInput
      ): Effect.Effect<E> =>
        Effect.async<E, string>((resume) => {
          const check = () => {
            const found = events.find(match)
            if (found !== undefined) resume(Effect.succeed(found))
            else if (ended) resume(Effect.fail(`worker ${child.pid} ended (${child.exitCode ?? child.signalCode}) first`))
          }
          listeners.add(check)
          check()
          return Effect.sync(() => listeners.delete(check))
        }).pipe(
          Effect.timeoutFail({ duration: within, onTimeout: () => `no such event from worker ${child.pid} within ${Duration.format(within)}` }),
          Effect.catchAll((problem) =>
            Effect.dieMessage(`${problem}\nevents: ${JSON.stringify(events).slice(-1500)}\nstderr: ${stderr}`)
          )
        )

      const kill = (signal: NodeJS.Signals) =>
        Effect.suspend(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal)
          return gone
        })

      const handle: WorkerProcess = {
        pid: child.pid ?? 0,
        events,
        start: Effect.sync(() => child.stdin!.write("go\n")),
        waitFor,
        kill
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
