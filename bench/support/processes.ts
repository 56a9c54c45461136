/** Benchmark workers as child processes speaking JSON lines: started in a scope, always killed when it closes. */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { Duration, Scope } from "effect"

const root = fileURLToPath(new URL("../../", import.meta.url))

export interface WorkerProcess<E extends { readonly _tag: string }> {
  readonly pid: number
  readonly events: ReadonlyArray<E>
  /** Writes "go": the worker starts its run. */
  readonly start: Effect.Effect<void>
  /** The first event with this tag, past or future; a defect if the process ends first or time runs out. */
  readonly next: <T extends E["_tag"]>(tag: T, within: Duration.DurationInput) => Effect.Effect<Extract<E, { readonly _tag: T }>>
}

/** Runs `bench/<script>` on the TypeScript sources of the workspace (through tsx). */
export const spawnWorker = <E extends { readonly _tag: string }>(
  script: string,
  args: unknown,
  nodeFlags: ReadonlyArray<string> = []
): Effect.Effect<WorkerProcess<E>, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(
        process.execPath,
        [...nodeFlags, "--import", "tsx", "--conditions=@dynalock/source", fileURLToPath(new URL(`../${script}`, import.meta.url)), JSON.stringify(args)],
        { cwd: root, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } }
      )
      const events: Array<E> = []
      const listeners = new Set<() => void>()
      let stderr = ""
      let ended = false
      const notify = () => listeners.forEach((listener) => listener())
      createInterface({ input: child.stdout! }).on("line", (line) => {
        try {
          events.push(JSON.parse(line) as E)
        } catch {
          stderr = `${stderr}[stdout] ${line}\n`.slice(-4000)
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
      child.stdin!.on("error", () => {})
      const killOnExit = () => child.kill("SIGKILL")
      process.once("exit", killOnExit)
      const gone = Effect.async<void>((resume) => {
        if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
        const done = () => resume(Effect.void)
        child.once("exit", done)
        return Effect.sync(() => child.off("exit", done))
      })
      const next = <T extends E["_tag"]>(tag: T, within: Duration.DurationInput) =>
        Effect.async<Extract<E, { readonly _tag: T }>, string>((resume) => {
          const check = () => {
            const found = events.find((event): event is Extract<E, { readonly _tag: T }> => event._tag === tag)
            if (found !== undefined) resume(Effect.succeed(found))
            else if (ended) resume(Effect.fail(`${script} (pid ${child.pid}) ended before "${tag}"`))
          }
          listeners.add(check)
          check()
          return Effect.sync(() => listeners.delete(check))
        }).pipe(
          Effect.timeoutFail({ duration: within, onTimeout: () => `no "${tag}" from ${script} (pid ${child.pid}) in time` }),
          Effect.catchAll((problem) => Effect.dieMessage(`${problem}\nlast events: ${JSON.stringify(events.slice(-3))}\nstderr: ${stderr}`))
        )
      const worker: WorkerProcess<E> = {
        pid: child.pid ?? 0,
        events,
        start: Effect.sync(() => child.stdin!.write("go\n")),
        next
      }
      const stop = Effect.suspend(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        return gone
      }).pipe(Effect.timeout("5 seconds"), Effect.ignore, Effect.ensuring(Effect.sync(() => process.off("exit", killOnExit))))
      return { worker, stop }
    }),
    ({ stop }) => stop
  ).pipe(Effect.map(({ worker }) => worker))

/** Starts the workers, waits until every one is ready, then starts them all at once. */
export const startTogether = <E extends { readonly _tag: string }>(workers: ReadonlyArray<WorkerProcess<E>>) =>
  Effect.gen(function* () {
    yield* Effect.forEach(workers, (worker) => worker.next("Ready" as E["_tag"], "90 seconds"), { concurrency: "unbounded", discard: true })
    yield* Effect.forEach(workers, (worker) => worker.start, { discard: true })
  })
