/**
 * `npm run example:single-workflow`: only one workflow run may provision an environment; a job that outlives
 * several leases keeps its lock by renewal; a lost lock interrupts the job (see `program.ts`).
 *
 * Runs on an embedded dynalite; with `DYNALOCK_TABLE` (and the AWS environment) on DynamoDB. Timings:
 * `DEMO_TTL` (default "2 seconds"), `DEMO_MAX_CLOCK_SKEW` ("500 millis"), `DEMO_STEP_TIME` ("1 second").
 */
import { Config, Duration, Effect, Either, Option } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { run } from "./program.js"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const Settings = Config.all({
  ttl: Config.duration("DEMO_TTL").pipe(Config.withDefault(Duration.seconds(2))),
  maxClockSkew: Config.duration("DEMO_MAX_CLOCK_SKEW").pipe(Config.withDefault(Duration.millis(500))),
  stepTime: Config.duration("DEMO_STEP_TIME").pipe(Config.withDefault(Duration.seconds(1)))
})

const program = Effect.gen(function* () {
  const settings = yield* Settings
  const table = yield* DemoTable.make("dynalock-examples")
  const result = yield* run(table, settings)
  const told =
    Either.getOrUndefined(result.first) === "Provisioned" &&
    Either.getOrUndefined(result.second) === "AlreadyProvisioned" &&
    Either.isLeft(result.third) &&
    result.third.left._tag === "LockLost" &&
    Option.exists(result.previewAfter, (state) => state.status === "provisioning")
  if (!told) return yield* Effect.fail("the story did not go as told")
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
