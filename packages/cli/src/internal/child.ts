/** The command run under the lock: a child process with dynalock's stdio, its exit as an Effect. */
import { spawn } from "node:child_process"
import { constants } from "node:os"
import { Deferred, Duration, Effect, FiberId } from "effect"
import type { Scope } from "effect"
import * as ExitStatus from "./exitStatus.js"

/** How the child ended. */
export type ChildExit =
  { readonly _tag: "Exited"; readonly code: number } | { readonly _tag: "Signalled"; readonly signal: NodeJS.Signals }

/** A running child. */
interface Child {
  readonly pid: number
  /** Waits for the child to end. */
  readonly exit: Effect.Effect<ChildExit>
  /** Sends `signal` unless the child has ended already. */
  readonly kill: (signal: NodeJS.Signals) => Effect.Effect<void>
  /** `kill`, for callbacks outside Effect (signal handlers). */
  readonly unsafeKill: (signal: NodeJS.Signals) => void
}

/** The exit status a shell would report for the child's end. */
export const exitStatusOf = (exit: ChildExit): number =>
  exit._tag === "Exited" ? exit.code : ExitStatus.signalled(constants.signals[exit.signal] ?? 0)

// Enough to see a stray child die when the scope closes early; SIGKILL cannot be ignored.
const reapBound = Duration.seconds(2)

const cannotStart = (command: string, error: NodeJS.ErrnoException): ExitStatus.ExitWith =>
  new ExitStatus.ExitWith({
    code: error.code === "ENOENT" ? ExitStatus.notFound : ExitStatus.cannotExecute,
    message: `dynalock: cannot run ${command}: ${error.code === "ENOENT" ? "command not found" : error.message}`
  })

/**
 * Starts `command` (looked up on PATH, no shell) with dynalock's stdin, stdout and stderr. Fails with the shell's
 * 127 or 126 when it cannot be started. Should the scope close while it still runs (dynalock itself failed), it is
 * killed: no child outlives dynalock's hold of the lock.
 */
export const spawnChild = (
  command: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv
): Effect.Effect<Child, ExitStatus.ExitWith, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Child, ExitStatus.ExitWith>((resume) => {
      const spawned = spawn(command, args, { stdio: "inherit", env })
      const ended = Deferred.unsafeMake<ChildExit>(FiberId.none)
      spawned.once("exit", (code, signal) =>
        Deferred.unsafeDone(
          ended,
          Effect.succeed(signal !== null ? { _tag: "Signalled", signal } : { _tag: "Exited", code: code ?? 0 })
        )
      )
      const running = () => spawned.exitCode === null && spawned.signalCode === null
      const unsafeKill = (signal: NodeJS.Signals) => {
        if (running()) spawned.kill(signal)
      }
      spawned.once("spawn", () =>
        resume(
          Effect.succeed({
            pid: spawned.pid ?? 0,
            exit: Deferred.await(ended),
            kill: (signal) => Effect.sync(() => unsafeKill(signal)),
            unsafeKill
          })
        )
      )
      spawned.once("error", (error: NodeJS.ErrnoException) => {
        // An error after a successful start (a failed kill) changes nothing: the exit event still comes.
        if (spawned.pid === undefined) resume(Effect.fail(cannotStart(command, error)))
      })
    }),
    (child) => Effect.zipRight(child.kill("SIGKILL"), Effect.ignore(Effect.timeout(child.exit, reapBound)))
  )
