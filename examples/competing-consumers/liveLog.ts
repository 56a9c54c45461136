/** The live log's lines: one per event, times in seconds since the workers were told to go. */
import type { Abandoned, Committed, Locked } from "./events.js"
import type { Summary } from "./verdict.js"

const seconds = (millis: number) => `${(millis / 1000).toFixed(2).padStart(6)}s`
const short = (record: string) => record.slice(record.lastIndexOf("/") + 1)
const row = (at: number, who: string, what: string, record: string, rest: string) =>
  `${seconds(at)}  ${who.padEnd(4)}${what.padEnd(10)} ${record.padEnd(14)} ${rest}`

/** Who holds which record right now, e.g. `r1:w2 r3:w1`. */
export const holders = (held: ReadonlyMap<string, string>): string =>
  [...held]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([record, worker]) => `${short(record)}:${worker}`)
    .join(" ")

/** A lock taken; `t0` is when the workers were told to go. */
export const locked = (event: Locked, t0: number, held: ReadonlyMap<string, string>, note = ""): string =>
  row(
    event.at - t0,
    event.worker,
    "locks",
    event.record,
    `token ${event.fence}  v${event.version}  [${holders(held)}]${note}`
  )

/** A job committed. */
export const committed = (event: Committed, t0: number, tookMillis: number): string =>
  row(
    event.at - t0,
    event.worker,
    "commits",
    event.record,
    `job #${event.jobs} of the record (${tookMillis.toFixed(0)} ms), now v${event.version}`
  )

/** A job given up. */
export const abandoned = (event: Abandoned, t0: number): string =>
  row(event.at - t0, event.worker, "abandons", event.record, event.reason)

/** The kill. */
export const killed = (at: number, worker: string, record: string, fence: bigint): string =>
  row(at, "!!", "SIGKILL", record, `${worker} killed in the middle of its job (token ${fence}); its lease now runs out`)

/** The other side of the kill. */
export const takeover = (from: string, afterKillMillis: number): string =>
  `  << TAKEOVER from ${from}, ${(afterKillMillis / 1000).toFixed(2)} s after the kill`

/** Time is up. */
export const stopping = (at: number, held: ReadonlyMap<string, string>): string =>
  `${seconds(at)}  stop: the workers finish their current job and exit  [${holders(held)}]`

/** The summary, for people. */
export const summary = (result: Summary, elapsedMillis: number): ReadonlyArray<string> => [
  "",
  `Summary: ${result.jobs} jobs on ${result.records} records by ${result.workers} worker processes in ${(elapsedMillis / 1000).toFixed(1)} s`,
  `  jobs per worker: ${Object.entries(result.jobsByWorker)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([worker, jobs]) => `${worker} ${jobs}`)
    .join(", ")}`,
  ...(result.killed === null
    ? []
    : [
        `  killed: ${result.killed.worker} while holding ${result.killed.record} (token ${result.killed.fence})` +
          (result.takeover === null
            ? ", never taken over"
            : `; ${result.takeover.by} took it over ${(result.takeover.afterKillMillis / 1000).toFixed(1)} s later with token ${result.takeover.fenceAfter}`)
      ]),
  ...result.checks.map((check) => `  ${check.ok ? "ok  " : "FAIL"} ${check.name}: ${check.detail}`),
  result.ok ? "All checks passed: no record was ever processed by two workers at once." : "SOME CHECKS FAILED."
]
