/** The options every subcommand takes (where the locks are), and options whose value is a duration. */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import { Config, Effect, Either, Option } from "effect"
import type { DynamoStore } from "@dynalock/dynamo-layer"
import { parseDuration } from "./durations.js"
import * as ExitStatus from "./exitStatus.js"

/** An option whose value is a duration (`30s`, `500ms`, `1m30s`); a bad one is a usage error. */
export const duration = (name: string, allowZero: boolean) =>
  Options.text(name).pipe(
    Options.withPseudoName("DURATION"),
    Options.mapEffect((text) =>
      Either.match(parseDuration(text, allowZero), {
        onLeft: (problem) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--${name}: ${problem}`))),
        onRight: Effect.succeed
      })
    )
  )

/**
 * Where the locks are. Every subcommand takes these, so that they can follow the subcommand as people write them.
 * The table is optional here only so that its absence can be reported saying where it can come from.
 */
export const connection = {
  table: Options.text("table").pipe(
    Options.withPseudoName("TABLE"),
    Options.optional,
    Options.withDescription("The DynamoDB table (default: $DYNALOCK_TABLE).")
  ),
  partition: Options.text("partition").pipe(
    Options.withPseudoName("PARTITION"),
    Options.withFallbackConfig(Config.string("DYNALOCK_PARTITION").pipe(Config.withDefault("dynalock"))),
    Options.withDescription(
      'The partition of the locks (default: $DYNALOCK_PARTITION, else "dynalock"); lock records live in "<partition>#locks".'
    )
  ),
  endpoint: Options.text("endpoint").pipe(
    Options.withPseudoName("URL"),
    Options.optional,
    Options.withDescription(
      "The DynamoDB endpoint URL, e.g. http://127.0.0.1:8000. Default: the standard AWS environment " +
        "(AWS_ENDPOINT_URL_DYNAMODB, else the region's endpoint). Region and credentials always come from it " +
        "(AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...)."
    )
  )
}

/** The connection options as parsed. */
export interface Connection {
  readonly table: Option.Option<string>
  readonly partition: string
  readonly endpoint: Option.Option<string>
}

/** The table: `--table`, else `DYNALOCK_TABLE`, else a usage error saying so. */
export const tableOf = (connection: Connection): Effect.Effect<string, ExitStatus.ExitWith> =>
  Option.match(connection.table, {
    onSome: Effect.succeed,
    onNone: () =>
      Effect.mapError(
        Config.string("DYNALOCK_TABLE"),
        () =>
          new ExitStatus.ExitWith({
            code: ExitStatus.usage,
            message: "dynalock: which table? Pass --table TABLE or set DYNALOCK_TABLE"
          })
      )
  })

/** A client for `--endpoint`; without it, none: DynamoStore makes one from the standard AWS environment. */
export const clientOf = (connection: Connection): DynamoStore.DynamoStoreOptions["client"] =>
  Option.getOrUndefined(Option.map(connection.endpoint, (endpoint) => ({ endpoint })))

/** The store's options for a connection. */
export const storeOptions = (
  connection: Connection
): Effect.Effect<DynamoStore.DynamoStoreOptions, ExitStatus.ExitWith> =>
  Effect.map(tableOf(connection), (tableName) => ({
    tableName,
    partition: connection.partition,
    client: clientOf(connection)
  }))
