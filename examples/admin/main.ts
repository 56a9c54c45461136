/**
 * `npm run example:admin`: an operator finds a stuck lock holder with `locker.list` and `locker.inspect`, and breaks
 * its lock with `locker.forceRelease` (see `program.ts`).
 *
 * Runs on an embedded dynalite; with `DYNALOCK_TABLE` (and the AWS environment) on DynamoDB. Timings:
 * `DEMO_TTL` (default "3 seconds"), `DEMO_MAX_CLOCK_SKEW` ("500 millis").
 */
import { Config, Duration, Effect, Either, Option } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { run } from "./program.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const Settings = Config.all({
  ttl: Config.duration("DEMO_TTL").pipe(Config.withDefault(Duration.seconds(3))),
  maxClockSkew: Config.duration("DEMO_MAX_CLOCK_SKEW").pipe(Config.withDefault(Duration.millis(500)))
})

const program = Effect.gen(function* () {
  const settings = yield* Settings
  const table = yield* DemoTable.make("dynalock-examples")
  const result = yield* run(table, settings)
  const told =
    result.broken &&
    result.nextToken > result.stuckToken &&
    Either.isLeft(result.stuckOutcome) &&
    result.stuckOutcome.left._tag === "LockLost" &&
    Option.exists(result.afterBreak, (state) => state.fencingToken === result.nextToken) &&
    !result.brokeNothing
  if (!told) return yield* Effect.fail("the story did not go as told")
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
