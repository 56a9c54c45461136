/**
 * `npm start`: the competing-consumers demo, Go dynalock's example done the Effect way.
 *
 * Several worker processes share one table: an "Agent" partition of work records and a "Lock" partition of locks.
 * Each worker repeatedly takes the lock of the stalest free record, works on it, and commits its work with a
 * compare-and-set on the version it read. One worker is SIGKILLed in the middle of a job; after its lease runs
 * out another worker takes its record over. The summary then proves from the workers' events and from the records
 * themselves that no record was ever processed by two workers at once.
 *
 * Runs on an embedded dynalite with no configuration. For DynamoDB: `DYNALOCK_TABLE=my-table npm start` with the
 * usual AWS environment (add `DYNALOCK_CREATE_TABLE=true` to create the table). Settings: see `settings.ts`, as
 * flags (`npm start -- --workers 3 --duration "10 seconds"`) or as `DEMO_*` variables.
 */
import { writeFileSync } from "node:fs"
import { Console, Effect, Option } from "effect"
import * as DemoTable from "../shared/DemoTable.js"
import { flagsThenEnv } from "../shared/flags.js"
import { runMain } from "../shared/runMain.js"
import { runDemo } from "./conductor.js"
import * as LiveLog from "./liveLog.js"
import { DemoSettings } from "./settings.js"

// The AWS SDK warns once per process on Node 20; the demo's output is for reading.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const program = Effect.gen(function* () {
  const settings = yield* DemoSettings
  const table = yield* DemoTable.make("dynalock-demo")
  const result = yield* runDemo(settings, table)
  for (const line of LiveLog.summary(result, result.elapsedMillis)) yield* Console.log(line)
  if (Option.isSome(settings.summaryFile)) {
    const file = settings.summaryFile.value
    yield* Effect.sync(() => writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`))
  }
  if (!result.ok) return yield* Effect.fail("the demo's checks failed (see the summary above)")
})

runMain(Effect.scoped(program).pipe(Effect.withConfigProvider(flagsThenEnv(process.argv.slice(2)))), {
  disablePrettyLogger: true
})
