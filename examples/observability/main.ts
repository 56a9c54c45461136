/**
 * `npm run example:observability`: workers contend for a lock and a semaphore, with OpenTelemetry's tracer
 * installed; then the example prints dynalock's `dynalock_*` metrics and its spans as a tree (see `program.ts`, and
 * `tracing.ts` for wiring an OTLP exporter instead).
 *
 * Runs on an embedded dynalite; with `DYNALOCK_TABLE` (and the AWS environment) on DynamoDB. Settings:
 * `DEMO_WORKERS` (default 3), `DEMO_ROUNDS` (3 turns per worker), `DEMO_WORK` ("150 millis" a turn), `DEMO_HOLD`
 * ("1500 millis"), `DEMO_TTL` ("2 seconds").
 */
import { Config, Duration, Effect } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { run, wentAsTold } from "./program.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const Settings = Config.all({
  workers: Config.integer("DEMO_WORKERS").pipe(Config.withDefault(3)),
  rounds: Config.integer("DEMO_ROUNDS").pipe(Config.withDefault(3)),
  work: Config.duration("DEMO_WORK").pipe(Config.withDefault(Duration.millis(150))),
  hold: Config.duration("DEMO_HOLD").pipe(Config.withDefault(Duration.millis(1500))),
  ttl: Config.duration("DEMO_TTL").pipe(Config.withDefault(Duration.seconds(2)))
}).pipe(
  Config.validate({
    message: "the story needs at least 3 workers and 1 round",
    validation: (s) => s.workers >= 3 && s.rounds >= 1
  })
)

const program = Effect.gen(function* () {
  const settings = yield* Settings
  const table = yield* DemoTable.make("dynalock-examples")
  const result = yield* run(table, settings)
  if (!wentAsTold(result, settings)) return yield* Effect.fail("the story did not go as told")
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
