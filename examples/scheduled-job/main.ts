/**
 * `npm run example:scheduled-job`: only one scheduled invocation runs the job, and the fencing token keeps a
 * frozen one from overwriting newer work (see `program.ts`).
 *
 * Runs on an embedded dynalite; with `DYNALOCK_TABLE` (and the AWS environment) on DynamoDB. Timings:
 * `DEMO_TTL` (default "2 seconds"), `DEMO_MAX_CLOCK_SKEW` ("500 millis"), `DEMO_WORK` ("300 millis").
 */
import { Config, Duration, Effect } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { run } from "./program.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const Settings = Config.all({
  ttl: Config.duration("DEMO_TTL").pipe(Config.withDefault(Duration.seconds(2))),
  maxClockSkew: Config.duration("DEMO_MAX_CLOCK_SKEW").pipe(Config.withDefault(Duration.millis(500))),
  work: Config.duration("DEMO_WORK").pipe(Config.withDefault(Duration.millis(300)))
})

const program = Effect.gen(function* () {
  const settings = yield* Settings
  const table = yield* DemoTable.make("dynalock-examples")
  const result = yield* run(table, settings)
  const winners = result.duplicateDelivery.filter((outcome) => outcome._tag === "Published").length
  if (winners !== 1 || result.frozen._tag !== "Rejected" || result.nextTick._tag !== "Published") {
    return yield* Effect.fail("the story did not go as told")
  }
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
