/**
 * The help text @effect/cli cannot derive: the overview (its own lists every subcommand with its full usage, each
 * 100 to 150 columns wide) and the exit statuses and examples under every help page.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as ExitStatus from "./exitStatus.js"

const item = (term: string, description: string): [Span.Span, HelpDoc.HelpDoc] => [
  Span.text(term),
  HelpDoc.p(description)
]

/** Exit statuses and examples: the end of every help page. */
export const footer: HelpDoc.HelpDoc = HelpDoc.blocks([
  HelpDoc.h1("EXIT STATUS"),
  HelpDoc.descriptionList([
    item("0", "Success; for run: the command exited 0."),
    item("N", "run: the command's own status, 128+N if signal N ended it (130 for SIGINT, 143 for SIGTERM)."),
    item(`${ExitStatus.usage}`, "Bad usage: an unknown option, a missing argument, an unusable value."),
    item(
      `${ExitStatus.storeError}`,
      "A store error: DynamoDB refused, failed or could not be reached (after its retries)."
    ),
    item(
      `${ExitStatus.lockLost}`,
      "run: the lock was lost while the command ran; it got SIGTERM, then SIGKILL after --kill-after."
    ),
    item(`${ExitStatus.notAcquired}`, "run: the lock was not acquired (held, with --no-wait; or --timeout reached)."),
    item(
      `${ExitStatus.notFound}, ${ExitStatus.cannotExecute}`,
      "run: the command was not found, or could not be executed."
    )
  ]),
  HelpDoc.h1("EXAMPLES"),
  HelpDoc.p("dynalock create-table --table locks"),
  HelpDoc.p(
    "*/5 * * * *  dynalock run nightly-report --no-wait --quiet -- ./report.sh    (a crontab line; DYNALOCK_TABLE set above it)"
  ),
  HelpDoc.p("dynalock status nightly-report --table locks --json")
])

/** `dynalock`, `dynalock --help` and `dynalock -h` show the overview; everything else goes to @effect/cli. */
export const isOverviewRequest = (args: ReadonlyArray<string>): boolean =>
  args.length === 0 || (args.length === 1 && (args[0] === "--help" || args[0] === "-h"))

/** What dynalock does, in one screen. */
export const overview = (version: string): HelpDoc.HelpDoc =>
  HelpDoc.blocks([
    HelpDoc.p(`dynalock ${version}: a distributed flock(1) on Amazon DynamoDB`),
    HelpDoc.h1("USAGE"),
    HelpDoc.p(
      "dynalock run KEY [--ttl 30s] [--timeout 10s | --no-wait] [--kill-after 10s] [--quiet] -- COMMAND [ARGS...]"
    ),
    HelpDoc.p("dynalock status KEY [--json]"),
    HelpDoc.p("dynalock list [PREFIX] [--json]"),
    HelpDoc.p("dynalock release KEY --force"),
    HelpDoc.p("dynalock create-table"),
    HelpDoc.p("dynalock COMMAND --help    the options of one command, in full"),
    HelpDoc.h1("COMMANDS"),
    HelpDoc.descriptionList([
      item(
        "run",
        "Run COMMAND while holding the lock KEY; release it when COMMAND exits. COMMAND gets DYNALOCK_KEY and " +
          "DYNALOCK_FENCING_TOKEN in its environment, and the SIGINT and SIGTERM dynalock receives."
      ),
      item("status", "Show the lock KEY: held or free, fencing token, lease end, holder, waiters."),
      item("list", "List the locks held now, one line each, or those whose keys begin with PREFIX."),
      item("release", "Break the lock KEY (for a stuck holder); its holder learns it at its next renewal."),
      item("create-table", "Create the table in dynalock's format unless it exists.")
    ]),
    HelpDoc.h1("COMMON OPTIONS"),
    HelpDoc.descriptionList([
      item("--table TABLE", "The DynamoDB table; default $DYNALOCK_TABLE."),
      item("--partition PARTITION", 'The partition of the locks; default $DYNALOCK_PARTITION, else "dynalock".'),
      item(
        "--endpoint URL",
        "The DynamoDB endpoint; default the standard AWS environment (AWS_ENDPOINT_URL_DYNAMODB, else the region's). " +
          "Region and credentials come from it too: AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ..."
      )
    ]),
    footer
  ])
