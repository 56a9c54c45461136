/**
 * Runs the program as the process: its outcome becomes the exit status, and stop signals either interrupt it or
 * go where it says (`Signals`). NodeRuntime.runMain would always interrupt, which must not happen while a command
 * runs under the lock.
 */
import { constants } from "node:os"
import { stripVTControlCharacters } from "node:util"
import type * as CliApp from "@effect/cli/CliApp"
import { Cause, Console, Effect, Exit, Logger } from "effect"
import * as Environment from "./environment.js"
import * as ExitStatus from "./exitStatus.js"
import { Signals, stopSignals } from "./signals.js"
import type { StopSignal } from "./signals.js"

const signalStatus = (signal: StopSignal): number => ExitStatus.signalled(constants.signals[signal])

const colours = (stream: NodeJS.WriteStream): boolean => stream.isTTY === true && process.env.NO_COLOR === undefined

const plain = (args: ReadonlyArray<unknown>): Array<unknown> =>
  args.map((arg) => (typeof arg === "string" ? stripVTControlCharacters(arg) : arg))

/** The console, without the colours of @effect/cli's help and errors where they would land in a file or a pipe. */
const plainWhereNoTerminal = (console: Console.Console): Console.Console => {
  const log = (...args: ReadonlyArray<unknown>) => (colours(process.stdout) ? args : plain(args))
  const error = (...args: ReadonlyArray<unknown>) => (colours(process.stderr) ? args : plain(args))
  return {
    ...console,
    log: (...args) => console.log(...log(...args)),
    error: (...args) => console.error(...error(...args)),
    unsafe: {
      ...console.unsafe,
      log: (...args) => console.unsafe.log(...log(...args)),
      error: (...args) => console.unsafe.error(...error(...args))
    }
  }
}

/**
 * Log lines as dynalock's other messages: one line each on stderr (stdout is for results, `--json` above all),
 * a cause shown by its first line, not its stack.
 */
const stderrLogger = Logger.make(({ cause, message }) => {
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  const reason = Cause.isEmpty(cause) ? "" : ` (${Cause.pretty(cause).split("\n")[0] ?? ""})`
  process.stderr.write(`${text}${reason}\n`)
})

const exitStatusOf = (exit: Exit.Exit<void, ExitStatus.ExitWith>): number =>
  Exit.match(exit, {
    onSuccess: () => 0,
    onFailure: (cause) => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some") {
        if (failure.value.message !== undefined) process.stderr.write(`${failure.value.message}\n`)
        return failure.value.code
      }
      process.stderr.write(`dynalock: unexpected failure\n${Cause.pretty(cause)}\n`)
      return ExitStatus.storeError
    }
  })

/**
 * Exits once what was written to stdout and stderr is out (pipes are asynchronous on some systems), without waiting
 * for the event loop to drain: an idle keep-alive socket of the SDK could hold it for seconds.
 */
const exitOnceFlushed = (status: number): void => {
  let pending = 2
  const flushed = () => {
    pending -= 1
    if (pending === 0) process.exit(status)
  }
  process.stdout.write("", flushed)
  process.stderr.write("", flushed)
}

/** Runs `program` and exits the process with its status. */
export const runMain = (
  program: Effect.Effect<void, ExitStatus.ExitWith, Signals | CliApp.CliApp.Environment>
): void => {
  let forwardTo: ((signal: StopSignal) => void) | undefined
  let stoppedBy: StopSignal | undefined

  const signals: Signals["Type"] = {
    forward: (handler) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          forwardTo = handler
        }),
        () =>
          Effect.sync(() => {
            forwardTo = undefined
          })
      )
  }

  const fiber = Effect.runFork(
    Console.consoleWith((console) => Effect.withConsole(program, plainWhereNoTerminal(console))).pipe(
      Effect.provideService(Signals, signals),
      Effect.provide(Environment.layer),
      Effect.provide(Logger.replace(Logger.defaultLogger, stderrLogger))
    )
  )

  const onSignal = (signal: StopSignal) => {
    if (forwardTo !== undefined) return forwardTo(signal)
    // A second signal while the first one's interruption is still cleaning up: stop at once.
    if (stoppedBy !== undefined) process.exit(signalStatus(stoppedBy))
    stoppedBy = signal
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  for (const signal of stopSignals) process.on(signal, onSignal)
  // A fiber waiting on nothing but a Deferred holds no handle of its own that keeps Node running.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1)

  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    const status = stoppedBy !== undefined && Exit.isInterrupted(exit) ? signalStatus(stoppedBy) : exitStatusOf(exit)
    exitOnceFlushed(status)
  })
}
