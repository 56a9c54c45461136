/**
 * `npm run example:rate-limited-api`: workers share "at most 3 calls at once" to a partner's API through a
 * distributed semaphore (see `program.ts`).
 *
 * Runs on an embedded dynalite; with `DYNALOCK_TABLE` (and the AWS environment) on DynamoDB. Settings:
 * `DEMO_WORKERS` (default 3), `DEMO_FIBERS` (3 per worker), `DEMO_CALLS` (3 per fiber), `DEMO_LATENCY`
 * ("200 millis" per call).
 */
import { Config, Duration, Effect } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { run, wentAsTold } from "./program.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const Settings = Config.all({
  workers: Config.integer("DEMO_WORKERS").pipe(Config.withDefault(3)),
  fibers: Config.integer("DEMO_FIBERS").pipe(Config.withDefault(3)),
  calls: Config.integer("DEMO_CALLS").pipe(Config.withDefault(3)),
  latency: Config.duration("DEMO_LATENCY").pipe(Config.withDefault(Duration.millis(200)))
}).pipe(
  Config.validate({
    message: "workers, fibers and calls must be at least 1",
    validation: (s) => s.workers >= 1 && s.fibers >= 1 && s.calls >= 1
  })
)

const program = Effect.gen(function* () {
  const settings = yield* Settings
  const table = yield* DemoTable.make("dynalock-examples")
  const result = yield* run(table, settings)
  if (!wentAsTold(result)) return yield* Effect.fail("the story did not go as told")
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
