/**
 * `npm run example:persistence`: `@effect/experimental`'s `PersistedCache` with its results in DynamoDB, through
 * `@effect/platform`'s `KeyValueStore` over dynalock (see `program.ts`).
 *
 * Runs on an embedded dynalite; with `DYNALOCK_TABLE` (and the AWS environment) on DynamoDB. Timings: `DEMO_TTL`
 * (default "2 seconds"), `DEMO_LATENCY` ("300 millis").
 */
import { Config, Duration, Effect } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { run } from "./program.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const Settings = Config.all({
  ttl: Config.duration("DEMO_TTL").pipe(Config.withDefault(Duration.seconds(2))),
  latency: Config.duration("DEMO_LATENCY").pipe(Config.withDefault(Duration.millis(300)))
})

const program = Effect.gen(function* () {
  const settings = yield* Settings
  const table = yield* DemoTable.make("dynalock-examples")
  const result = yield* run(table, settings)
  const told =
    result.first.upstreamCalls === 3 &&
    result.second.upstreamCalls === 0 &&
    result.second.answers.join() === result.first.answers.join() &&
    result.stored.length === 3 &&
    result.afterTtl.upstreamCalls === 3
  if (!told) return yield* Effect.fail("the story did not go as told")
  yield* Effect.log("the second process was served from DynamoDB; expired entries were looked up again")
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
