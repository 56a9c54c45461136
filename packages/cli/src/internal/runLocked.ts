/** `dynalock run`: a command run while holding a lock, stopped if the lock is lost. */
import { hostname } from "node:os"
import { Console, Duration, Effect, Option } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, Locker, StoreError } from "@dynalock/core"
import { exitStatusOf, spawnChild } from "./child.js"
import type { ChildExit } from "./child.js"
import * as ExitStatus from "./exitStatus.js"
import { Signals } from "./signals.js"

/** How long `run` waits for the lock. */
export type Wait =
  | { readonly _tag: "Forever" }
  | { readonly _tag: "Until"; readonly timeout: Duration.Duration }
  | { readonly _tag: "NoWait" }

interface RunOptions {
  readonly key: string
  readonly ttl: Duration.Duration
  readonly wait: Wait
  /** How long a command told to stop (SIGTERM) because the lock was lost has before SIGKILL. */
  readonly killAfter: Duration.Duration
  readonly command: string
  readonly args: ReadonlyArray<string>
}

// Enough to tell a holder apart in `dynalock status`; the whole command line could exceed a lock record.
const maxDescriptionLength = 200

/** Who holds the lock, written as its value: host, process and command. */
const holderDescription = (options: RunOptions): string => {
  const description = `${hostname()} pid ${process.pid}: ${[options.command, ...options.args].join(" ")}`
  return description.length > maxDescriptionLength
    ? `${description.slice(0, maxDescriptionLength - 3)}...`
    : description
}

const waitOptions = (wait: Wait) =>
  wait._tag === "NoWait" ? { wait: false } : wait._tag === "Until" ? { timeout: wait.timeout } : {}

type Outcome = { readonly _tag: "Ended"; readonly exit: ChildExit } | { readonly _tag: "Lost"; readonly reason: string }

/**
 * Acquires the lock, runs the command with `DYNALOCK_KEY` and `DYNALOCK_FENCING_TOKEN` in its environment and
 * stop signals forwarded to it, and releases the lock once it has exited. Succeeds when it exits 0; otherwise
 * fails with its exit status (128+N for signal N), or with 74 when the lock was lost and the command was stopped.
 */
export const runLocked = (
  locker: Locker["Type"],
  options: RunOptions
): Effect.Effect<void, ExitStatus.ExitWith | AcquireCancelled | InvalidInput | StoreError, Signals | Scope.Scope> =>
  Effect.gen(function* () {
    const { key } = options
    const lock = yield* locker.acquire(key, {
      ttl: options.ttl,
      value: holderDescription(options),
      ...waitOptions(options.wait)
    })
    const child = yield* spawnChild(options.command, options.args, {
      ...process.env,
      DYNALOCK_KEY: key,
      DYNALOCK_FENCING_TOKEN: lock.fencingToken.toString()
    })
    const signals = yield* Signals
    yield* signals.forward(child.unsafeKill)

    const outcome = yield* Effect.raceFirst(
      Effect.map(child.exit, (exit): Outcome => ({ _tag: "Ended", exit })),
      Effect.map(Effect.flip(lock.lost), (lost): Outcome => ({ _tag: "Lost", reason: lost.reason }))
    )

    if (outcome._tag === "Lost") {
      yield* Console.error(
        `dynalock: lost the lock ${key} (${outcome.reason}) while ${options.command} ran: sending it SIGTERM`
      )
      yield* child.kill("SIGTERM")
      const stopped = yield* Effect.timeoutOption(child.exit, options.killAfter)
      if (Option.isNone(stopped)) {
        yield* Console.error(
          `dynalock: ${options.command} did not exit within ${Duration.format(options.killAfter)} of SIGTERM: sending it SIGKILL`
        )
        yield* child.kill("SIGKILL")
        yield* child.exit
      }
      return yield* new ExitStatus.ExitWith({ code: ExitStatus.lockLost })
    }

    // The command is done whatever happens to the release: a lease not given back simply runs out.
    yield* lock.release.pipe(
      Effect.catchAll((error) =>
        Console.error(
          `dynalock: could not release ${key} (${error.message}); it expires within ${Duration.format(options.ttl)}`
        )
      )
    )
    const status = exitStatusOf(outcome.exit)
    if (status !== 0) return yield* new ExitStatus.ExitWith({ code: status })
  })
