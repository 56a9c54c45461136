/**
 * `npm run bench`: key/value, lock and semaphore benchmarks on the memory layer and on dynalite in its own process,
 * and dynalock beside the peer lock libraries (section `peers`).
 * `npm run bench -- fairness handoff` runs only the named sections and prints them without touching the results.
 * A full run prints every table and writes bench/results.md and bench/results.json.
 * Options (after the sections): `--seconds N` per contention scenario of the comparison and for the semaphore
 * section (default 25),
 * `--processes N` contenders (default 8), `--rows id,id` only those rows of bench/peers/contenders.ts, `--runs N`
 * runs of each contention scenario of the comparison (default 1; the median run is reported).
 */
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type * as LocalDynamoService from "@dynalock/test-layer/LocalDynamo"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { fairness } from "./fairness.js"
import { handoff } from "./handoff.js"
import { kv } from "./kv.js"
import { lockLatency } from "./lockLatency.js"
import { memory } from "./memory.js"
import { observability } from "./observability.js"
import { peers } from "./peers.js"
import { semaphore } from "./semaphore.js"
import { parseCommandLine } from "./support/options.js"
import type { BenchOptions } from "./support/options.js"
import { renderTable } from "./support/report.js"
import type { Table } from "./support/report.js"

interface SectionResult {
  readonly tables: ReadonlyArray<Table>
}

const sections: Record<
  string,
  (server: LocalDynamoService.LocalDynamoServer, options: BenchOptions) => Effect.Effect<SectionResult>
> = {
  kv,
  lock: lockLatency,
  fairness,
  handoff,
  semaphore,
  peers,
  memory,
  observability
}

const commandLine = parseCommandLine(process.argv.slice(2))
const requested = commandLine.sections
const unknown = requested.filter((name) => !(name in sections))
if (unknown.length > 0 || commandLine.errors.length > 0) {
  if (unknown.length > 0)
    console.error(`unknown section(s) ${unknown.join(", ")}; known: ${Object.keys(sections).join(", ")}`)
  commandLine.errors.forEach((error) => console.error(error))
  process.exit(2)
}
const options = commandLine.options
const selected = requested.length === 0 ? Object.keys(sections) : requested
const full = requested.length === 0

const git = (...args: Array<string>): string => {
  try {
    return execFileSync("git", args, { encoding: "utf8" }).trim()
  } catch {
    return "unknown"
  }
}

const environment = () => ({
  date: new Date().toISOString(),
  commit: git("rev-parse", "--short", "HEAD"),
  node: process.version,
  cpu: `${cpus().length} x ${cpus()[0]?.model ?? "unknown"}`,
  memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
  loadAverageAtStart: loadavg()
    .map((load) => load.toFixed(2))
    .join(" ")
})

const program = Effect.scoped(
  Effect.gen(function* () {
    const env = environment()
    console.log(
      `dynalock benchmarks (${selected.join(", ")}) on Node ${env.node}, ${env.cpu}, load ${env.loadAverageAtStart}\n`
    )
    const server = yield* LocalDynamo.make({ childProcess: true })
    const results: Record<string, SectionResult> = {}
    const timings: Record<string, number> = {}
    for (const name of selected) {
      const started = performance.now()
      const result = yield* sections[name]!(server, options)
      timings[name] = Math.round((performance.now() - started) / 1000)
      results[name] = result
      for (const table of result.tables) console.log(renderTable(table))
    }
    if (!full) return
    const loadAverageAtEnd = loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")
    const markdown = [
      "# dynalock benchmark results",
      "",
      "Written by `npm run bench` (bench/main.ts). dynalite 4.0.0 runs as its own process on 127.0.0.1; lock",
      "contenders are separate Node processes, each with its own DynamoDB client. dynalite is not DynamoDB: absolute",
      "latencies here are local round trips, and on dynalite a rejected conditional write costs one extra GetItem",
      "(it ignores `ReturnValuesOnConditionCheckFailure`), which DynamoDB does not need.",
      "",
      `- date: ${env.date}, commit ${env.commit}`,
      `- machine: ${env.cpu}, ${env.memory}, Node ${env.node}`,
      `- load average (1/5/15 min) at start: ${env.loadAverageAtStart}; at end: ${loadAverageAtEnd}`,
      `- section durations (s): ${Object.entries(timings)
        .map(([name, seconds]) => `${name} ${seconds}`)
        .join(", ")}`,
      `- options: ${options.scenarioSeconds} s per contention scenario of the comparison and for the semaphore run, ${options.processes} contender processes${options.rows === undefined ? "" : `, rows ${options.rows.join(", ")}`}${options.runs > 1 ? `, ${options.runs} runs of each contention scenario of the comparison (the median run reported)` : ""}`,
      "",
      ...Object.values(results).flatMap((result) => result.tables.map(renderTable))
    ].join("\n")
    const json = JSON.stringify(
      {
        environment: { ...env, loadAverageAtEnd },
        options,
        timings,
        results: Object.fromEntries(Object.entries(results).map(([name, { tables: _, ...figures }]) => [name, figures]))
      },
      (_, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
      2
    )
    writeFileSync(fileURLToPath(new URL("./results.md", import.meta.url)), markdown)
    writeFileSync(fileURLToPath(new URL("./results.json", import.meta.url)), `${json}\n`)
    console.log("written: bench/results.md, bench/results.json")
  })
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
