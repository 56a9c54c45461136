/**
 * The `dynalock` command line: `run` a command while holding a lock (a distributed `flock(1)`), and the
 * operator's verbs `status`, `list`, `release --force` and `create-table`.
 *
 * @since 0.2.0
 */
import { createRequire } from "node:module"
// Module by module: the package's index would load every module of it (prompts, wizards) at each start.
import * as Args from "@effect/cli/Args"
import type * as CliApp from "@effect/cli/CliApp"
import * as CliConfig from "@effect/cli/CliConfig"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Console, DateTime, Duration, Effect, Option } from "effect"
import type { AcquireCancelled } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as ExitStatus from "./internal/exitStatus.js"
import * as Help from "./internal/help.js"
import * as LockView from "./internal/lockView.js"
import { clientOf, connection, duration, storeOptions, tableOf } from "./internal/options.js"
import type { Connection } from "./internal/options.js"
import { runLocked } from "./internal/runLocked.js"
import type { Wait } from "./internal/runLocked.js"
import type { Signals } from "./internal/signals.js"

const { version } = createRequire(import.meta.url)("../package.json") as { readonly version: string }

const usageError = (message: string) =>
  new ExitStatus.ExitWith({ code: ExitStatus.usage, message: `dynalock: ${message}` })

const locker = (connection: Connection) =>
  Effect.flatMap(storeOptions(connection), (options) =>
    Effect.map(DynamoStore.make(options), (services) => services.locker)
  )

const key = Args.text({ name: "KEY" }).pipe(Args.withDescription("The lock's key."))
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON instead of text."))

const notAcquiredMessage = (error: AcquireCancelled): string =>
  error.reason === "Held"
    ? `dynalock: ${error.key} is held by another holder (--no-wait)`
    : error.reason === "Timeout"
      ? `dynalock: gave up waiting for ${error.key} (--timeout)`
      : `dynalock: ${error.message}`

const run = (commandLine: ReadonlyArray<string>) =>
  Command.make(
    "run",
    {
      ...connection,
      key,
      ttl: duration("ttl", false).pipe(
        Options.withDefault(Duration.seconds(30)),
        Options.withDescription(
          "The lease (default 30s): renewed every third of it while COMMAND runs; how long a crashed holder keeps others waiting."
        )
      ),
      timeout: duration("timeout", true).pipe(
        Options.optional,
        Options.withDescription(
          `Give up waiting for the lock after this long (exit ${ExitStatus.notAcquired}). Default: wait as long as it takes.`
        )
      ),
      noWait: Options.boolean("no-wait").pipe(
        Options.withDescription(`Do not wait: if the lock is held, exit ${ExitStatus.notAcquired} at once.`)
      ),
      quiet: Options.boolean("quiet").pipe(
        Options.withDescription(
          `Say nothing when the lock is not acquired (the exit status ${ExitStatus.notAcquired} still does): cron mails whatever a job prints.`
        )
      ),
      killAfter: duration("kill-after", true).pipe(
        Options.withDefault(Duration.seconds(10)),
        Options.withDescription(
          `If the lock is lost, COMMAND gets SIGTERM, then SIGKILL this long after (default 10s); dynalock exits ${ExitStatus.lockLost}.`
        )
      )
    },
    (config) =>
      Effect.gen(function* () {
        const [command, ...args] = commandLine
        if (command === undefined)
          return yield* usageError("run needs a command after --: dynalock run KEY -- COMMAND [ARGS...]")
        if (config.noWait && Option.isSome(config.timeout))
          return yield* usageError("--no-wait and --timeout exclude each other")
        const wait: Wait = config.noWait
          ? { _tag: "NoWait" }
          : Option.match(config.timeout, {
              onNone: () => ({ _tag: "Forever" }),
              onSome: (timeout) => ({ _tag: "Until", timeout })
            })
        yield* runLocked(yield* locker(config), {
          key: config.key,
          ttl: config.ttl,
          wait,
          killAfter: config.killAfter,
          command,
          args
        }).pipe(
          Effect.catchTag("AcquireCancelled", (error) =>
            Effect.fail(
              new ExitStatus.ExitWith({
                code: ExitStatus.notAcquired,
                message: config.quiet ? undefined : notAcquiredMessage(error)
              })
            )
          )
        )
      }).pipe(Effect.scoped)
  ).pipe(
    Command.withDescription(
      "dynalock run KEY [OPTIONS] -- COMMAND [ARGS...]: run COMMAND while holding the lock KEY, and release it when " +
        "COMMAND exits. COMMAND gets DYNALOCK_KEY and DYNALOCK_FENCING_TOKEN in its environment, dynalock's stdin, " +
        "stdout and stderr, and the SIGINT and SIGTERM dynalock receives. dynalock exits with COMMAND's status (see EXIT STATUS)."
    )
  )

const status = Command.make("status", { ...connection, key, json }, (config) =>
  Effect.gen(function* () {
    const state = yield* (yield* locker(config)).inspect(config.key)
    const now = yield* DateTime.now
    yield* Console.log(
      Option.match(state, {
        onNone: () =>
          config.json ? JSON.stringify(LockView.neverLockedJson(config.key)) : LockView.neverLockedLine(config.key),
        onSome: (state) => (config.json ? JSON.stringify(LockView.toJson(state)) : LockView.toLine(state, now))
      })
    )
  }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Show the lock KEY: held or free, its fencing token, when the lease ends, who holds it, how many wait. " +
      "A key never locked is no error: dynalock says so and exits 0."
  )
)

const list = Command.make(
  "list",
  {
    ...connection,
    prefix: Args.text({ name: "PREFIX" }).pipe(
      Args.withDefault(""),
      Args.withDescription("Only keys that begin with it.")
    ),
    json
  },
  (config) =>
    Effect.gen(function* () {
      const held = yield* (yield* locker(config)).list(config.prefix)
      const now = yield* DateTime.now
      if (config.json) return yield* Console.log(JSON.stringify(held.map(LockView.toJson)))
      for (const state of held) yield* Console.log(LockView.toLine(state, now))
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "List the locks held now, one line each (nothing when none is held), or those whose keys begin with PREFIX."
  )
)

const release = Command.make(
  "release",
  {
    ...connection,
    key,
    force: Options.boolean("force").pipe(Options.withDescription("Required: this breaks another holder's lease."))
  },
  (config) =>
    Effect.gen(function* () {
      if (!config.force)
        return yield* usageError(`release breaks whoever holds ${config.key}; add --force if that is what you want`)
      const broken = yield* (yield* locker(config)).forceRelease(config.key)
      yield* Console.log(
        broken
          ? `${config.key} released: its holder loses it at its next renewal at the latest (a dynalock run stops its command)`
          : `${config.key} was not held`
      )
    }).pipe(Effect.scoped)
).pipe(
  Command.withDescription(
    "Break the lock KEY, the last resort for a stuck holder: its holder learns it at its next renewal " +
      `(a dynalock run then stops its command and exits ${ExitStatus.lockLost}); the next holder's fencing token is higher.`
  )
)

const createTable = Command.make("create-table", connection, (config) =>
  Effect.gen(function* () {
    const tableName = yield* tableOf(config)
    yield* DynamoStore.createTable({ tableName, client: clientOf(config) })
    yield* Console.log(`table ${tableName} is ready`)
  })
).pipe(
  Command.withDescription(
    "Create the table (keys id and name, on-demand billing, TTL on expires) unless it exists, and wait until it is active."
  )
)

/** Only `run` takes a command after `--`. */
const noCommandLine =
  (commandLine: ReadonlyArray<string>) =>
  <Name extends string, R, E, A>(self: Command.Command<Name, R, E, A>) =>
    Command.transformHandler(self, (handler): Effect.Effect<void, E | ExitStatus.ExitWith, R> =>
      commandLine.length > 0 ? Effect.fail(usageError(`only run takes a command after --`)) : handler
    )

/**
 * The command tree, with `commandLine` (what follows the first `--`) as the command `run` runs.
 *
 * @since 0.2.0
 */
const commands = (commandLine: ReadonlyArray<string>) =>
  Command.make("dynalock").pipe(
    Command.withDescription(
      "A distributed flock(1) on Amazon DynamoDB: run a command while holding a lock, inspect and break locks."
    ),
    Command.withSubcommands([
      run(commandLine),
      status.pipe(noCommandLine(commandLine)),
      list.pipe(noCommandLine(commandLine)),
      release.pipe(noCommandLine(commandLine)),
      createTable.pipe(noCommandLine(commandLine))
    ])
  )

// Help without the list of built-in options (completions, wizard, log level): --help and --version still work.
const cliConfig = CliConfig.layer({ showBuiltIns: false })

/**
 * `dynalock`'s own arguments, and the command line after the first `--`. @effect/cli never sees the latter: it
 * would take that command's own options (`ls --help`) for dynalock's, and an unknown option before `--` for
 * the start of the command.
 */
const splitAtDoubleDash = (argv: ReadonlyArray<string>): [ReadonlyArray<string>, ReadonlyArray<string>] => {
  const at = argv.indexOf("--")
  return at < 0 ? [argv, []] : [argv.slice(0, at), argv.slice(at + 1)]
}

/**
 * The program for a command line (`process.argv`), with every outcome as an exit status: `ExitWith` carries it
 * and the message to print.
 *
 * @since 0.2.0
 */
export const program = (
  argv: ReadonlyArray<string>
): Effect.Effect<void, ExitStatus.ExitWith, Signals | CliApp.CliApp.Environment> => {
  const [own, commandLine] = splitAtDoubleDash(argv)
  const launch = Command.run(commands(commandLine), { name: "dynalock", version, footer: Help.footer })
  return (
    Help.isOverviewRequest(argv.slice(2)) ? Console.log(HelpDoc.toAnsiText(Help.overview(version))) : launch(own)
  ).pipe(
    Effect.provide(cliConfig),
    // @effect/cli has printed what is wrong.
    Effect.catchIf(ValidationError.isValidationError, () =>
      Effect.fail(new ExitStatus.ExitWith({ code: ExitStatus.usage }))
    ),
    Effect.catchTags({
      InvalidInput: (error) => Effect.fail(usageError(error.message)),
      StoreError: (error) =>
        Effect.fail(new ExitStatus.ExitWith({ code: ExitStatus.storeError, message: `dynalock: ${error.message}` }))
    })
  )
}
