/**
 * Runs the real `dynalock` executable (node_modules/.bin/dynalock, as `npm ci` links it) as a process of its own,
 * and the commands it runs: what they printed, how they ended, and nothing left running afterwards.
 */
import { fileURLToPath } from "node:url"
import { Duration, Effect } from "effect"
import type { Scope } from "effect"
import * as ChildProcess from "@dynalock/test-layer/ChildProcess"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { inject } from "vitest"

/** The executable under test. */
export const bin = fileURLToPath(new URL("../../../../node_modules/.bin/dynalock", import.meta.url))

const childScript = fileURLToPath(new URL("./child.mjs", import.meta.url))

/** `-- node child.mjs PLAN ...args`: the command line of a test command (see child.mjs for the plan). */
export const child = (plan: ChildPlan = {}, ...args: ReadonlyArray<string>): ReadonlyArray<string> => [
  "--",
  process.execPath,
  childScript,
  JSON.stringify(plan),
  ...args
]

export interface ChildPlan {
  readonly exit?: number
  readonly kill?: NodeJS.Signals
  readonly on?: Partial<Record<"SIGINT" | "SIGTERM", number | "ignore">>
}

/** What a test command reports on stdout. */
export type ChildEvent =
  | {
      readonly event: "started"
      readonly pid: number
      readonly key: string | null
      readonly token: string | null
      readonly passedThrough: string | null
      readonly launcherSwitch: string | null
      readonly args: ReadonlyArray<string>
    }
  | { readonly event: "signal"; readonly signal: string; readonly pid: number }
  | { readonly event: "line"; readonly line: string }

/** How a dynalock process ended. */
export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly events: ReadonlyArray<ChildEvent>
  /** From the spawn to the exit. */
  readonly elapsed: Duration.Duration
}

/** A running dynalock process. */
export interface Running {
  readonly pid: number
  readonly events: ReadonlyArray<ChildEvent>
  /** The first event (past or future) that matches; a defect if dynalock ends first or time runs out. */
  readonly waitFor: <F extends ChildEvent>(
    match: (event: ChildEvent) => event is F,
    within: Duration.DurationInput
  ) => Effect.Effect<F>
  /** Writes a line to dynalock's stdin (which its command inherits). */
  readonly send: (line: string) => Effect.Effect<void>
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  readonly finished: Effect.Effect<Finished>
}

export const isStarted = (event: ChildEvent): event is Extract<ChildEvent, { event: "started" }> =>
  event.event === "started"
export const isSignal = (event: ChildEvent): event is Extract<ChildEvent, { event: "signal" }> =>
  event.event === "signal"

/** Which dynalock the tests run (see launcher.ts), decided once per run by globalSetup.ts. */
const launcher = inject("dynalockLauncher")

/** The environment of every dynalock process: the local server's region and credentials, and nothing of the machine's. */
const environment = (extra: Readonly<Record<string, string>>): Record<string, string | undefined> => {
  const env: Record<string, string | undefined> = {}
  for (const name of Object.keys(process.env)) {
    if (name.startsWith("AWS_") || name.startsWith("DYNALOCK_")) env[name] = undefined
  }
  return {
    ...env,
    AWS_REGION: "local",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    // The sources, or a build globalSetup found current; never a stale dist/. Set either way, so the tests see
    // that the launcher's switch never reaches the command.
    DYNALOCK_CLI_SOURCES: launcher === "sources" ? "1" : "0",
    ...extra
  }
}

/** Whether a process exists (a test command must not outlive the dynalock that ran it). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The longest any test here lets a dynalock run: a waiting run against a dead store takes 10 to 20 s. */
const longestRun = Duration.seconds(30)

// Should the test process end before a scope closes (a test that timed out), the commands dynalock started die with
// it (ChildProcess does the same for dynalock itself).
const spawnedPids = new Set<number>()
process.once("exit", () => {
  for (const pid of spawnedPids) if (alive(pid)) process.kill(pid, "SIGKILL")
})

/**
 * Starts `dynalock ...args`. When the scope closes, dynalock and every test command it started are killed if
 * they still run, whatever the test's outcome.
 */
export const start = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<Running, never, Scope.Scope> =>
  Effect.gen(function* () {
    const events: Array<ChildEvent> = []
    const listeners = new Set<() => void>()
    const notify = () => listeners.forEach((listener) => listener())
    let stdout = ""
    let stderr = ""
    const commandPids = () => events.filter(isStarted).map((event) => event.pid)
    // Added before dynalock's own finalizer, so it runs after it: dynalock is gone, then its commands are killed.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const pid of commandPids()) {
          if (alive(pid)) process.kill(pid, "SIGKILL")
          spawnedPids.delete(pid)
        }
      })
    )
    const startedAt = Date.now()
    const spawned = yield* ChildProcess.spawn(bin, args, {
      env: environment(env),
      stdin: "pipe",
      stopSignal: "SIGKILL",
      onStdout: (line) => {
        stdout += `${line}\n`
        if (line.startsWith('{"event"')) {
          const event = JSON.parse(line) as ChildEvent
          if (isStarted(event)) spawnedPids.add(event.pid)
          events.push(event)
        }
        notify()
      },
      onStderr: (line) => {
        stderr += `${line}\n`
      }
    })
    let ended: { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly at: number } | undefined
    // Its output is complete once its pipes close; a command it left running would hold them open, so the end is
    // its exit, and the output is what arrived by then or shortly after.
    let drained = false
    yield* Effect.forkScoped(
      Effect.gen(function* () {
        const exit = yield* spawned.exited
        ended = { ...exit, at: Date.now() }
        notify()
        yield* spawned.closed.pipe(Effect.timeout("2 seconds"), Effect.ignore)
        drained = true
        notify()
      })
    )

    const finished: Effect.Effect<Finished> = spawned.exited.pipe(
      // Never left to the test's timeout, after which vitest may not wait for the scope to close (and kill).
      Effect.timeoutFail({
        duration: longestRun,
        onTimeout: () => `dynalock ${args.join(" ")} still runs after ${Duration.format(longestRun)}`
      }),
      Effect.catchAll((problem) => Effect.dieMessage(`${problem}\nstdout: ${stdout}\nstderr: ${stderr}`)),
      Effect.tap(() => spawned.closed.pipe(Effect.timeout("2 seconds"), Effect.ignore)),
      Effect.map((exit) => ({
        code: exit.code,
        signal: exit.signal,
        stdout,
        stderr,
        events: [...events],
        elapsed: Duration.millis((ended?.at ?? Date.now()) - startedAt)
      }))
    )

    const waitFor = <F extends ChildEvent>(match: (event: ChildEvent) => event is F, within: Duration.DurationInput) =>
      Effect.async<F, string>((resume) => {
        const check = () => {
          const found = events.find(match)
          if (found !== undefined) resume(Effect.succeed(found))
          else if (drained && ended !== undefined)
            resume(Effect.fail(`dynalock ${args.join(" ")} ended (${ended.code ?? ended.signal}) first`))
        }
        listeners.add(check)
        check()
        return Effect.sync(() => listeners.delete(check))
      }).pipe(
        Effect.timeoutFail({ duration: within, onTimeout: () => `no such event within ${Duration.format(within)}` }),
        Effect.catchAll((problem) => Effect.dieMessage(`${problem}\nstdout: ${stdout}\nstderr: ${stderr}`))
      )

    return {
      pid: spawned.pid,
      events,
      waitFor,
      send: (line) => spawned.write(`${line}\n`),
      signal: spawned.signal,
      finished
    } satisfies Running
  })

/** Runs `dynalock ...args` to its end. */
export const run = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Effect.Effect<Finished> =>
  Effect.scoped(Effect.flatMap(start(args, env), (running) => running.finished))

/** A loopback port nothing listens on, and no server of another test file can be given while a test runs. */
export const closedPort: Effect.Effect<number> = LocalDynamo.closedPort

/** `--endpoint URL --table T` of a local server. */
export const on = (server: { readonly endpoint: string; readonly tableName: string }): ReadonlyArray<string> => [
  "--endpoint",
  server.endpoint,
  "--table",
  server.tableName
]
