/**
 * The demo's proof, as a pure function of what was observed: the live events of every worker (including the one
 * that was killed) and the records as they ended up in the table. Each check is independent evidence that no
 * record was ever processed by two workers at once.
 */
import type { WorkRecord } from "./WorkRecord.js"

/** A stretch of time during which a worker held a record's lock, by the machine clock. */
export interface Holding {
  readonly worker: string
  readonly record: string
  readonly fence: bigint
  /** After the lock was acquired. */
  readonly start: number
  /** Before the lock was released; for a killed worker, once its process was gone. */
  readonly end: number
  readonly outcome: "committed" | "abandoned" | "killed" | "unfinished"
}

/** The takeover of the killed worker's record. */
export interface Takeover {
  readonly record: string
  readonly from: string
  readonly by: string
  readonly fenceBefore: bigint
  readonly fenceAfter: bigint
  /** Milliseconds from the kill to the new holder's lock. */
  readonly afterKill: number
}

/** Everything the demo saw. */
export interface Observed {
  readonly workers: number
  readonly holdings: ReadonlyArray<Holding>
  /** Committed jobs per record, in commit order: (worker, fence). */
  readonly commits: ReadonlyMap<string, ReadonlyArray<{ readonly worker: string; readonly fence: bigint }>>
  /** The worker killed mid-job, if one was. */
  readonly killed:
    { readonly worker: string; readonly record: string; readonly fence: bigint; readonly at: number } | undefined
  readonly takeover: Takeover | undefined
  /** Exit codes of the workers that were not killed. */
  readonly exits: ReadonlyArray<{ readonly worker: string; readonly code: number | null }>
  /** Version of each record right after the demo wrote it fresh. */
  readonly seedVersions: ReadonlyMap<string, number>
  /** Each record as read at the end. */
  readonly finalRecords: ReadonlyMap<string, { readonly version: number; readonly value: WorkRecord }>
  readonly killExpected: boolean
}

/** One check and its evidence. */
export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

/** The summary of a run; JSON-friendly (fencing tokens as strings). */
export interface Summary {
  readonly ok: boolean
  readonly workers: number
  readonly records: number
  readonly jobs: number
  readonly jobsByWorker: Readonly<Record<string, number>>
  readonly killed: { readonly worker: string; readonly record: string; readonly fence: string } | null
  readonly takeover: {
    readonly record: string
    readonly from: string
    readonly by: string
    readonly fenceBefore: string
    readonly fenceAfter: string
    readonly afterKillMillis: number
  } | null
  readonly checks: ReadonlyArray<Check>
}

const groupBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Map<string, Array<A>> => {
  const groups = new Map<string, Array<A>>()
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item])
  return groups
}

/** Pairs of consecutive stretches (by start) that overlap or whose fencing tokens do not increase. */
const sequenceProblems = <
  A extends { readonly start: number; readonly end: number; readonly fence: bigint; readonly worker: string }
>(
  record: string,
  stretches: ReadonlyArray<A>
) => {
  const sorted = [...stretches].sort((a, b) => a.start - b.start)
  const overlaps: Array<string> = []
  const unordered: Array<string> = []
  sorted.forEach((current, i) => {
    const before = sorted[i - 1]
    if (before === undefined) return
    if (current.start <= before.end) {
      overlaps.push(
        `${record}: ${current.worker} started ${(before.end - current.start).toFixed(1)} ms before ${before.worker} finished`
      )
    }
    if (current.fence <= before.fence) unordered.push(`${record}: token ${current.fence} after ${before.fence}`)
  })
  return { overlaps, unordered }
}

const check = (name: string, problems: ReadonlyArray<string>, evidence: string): Check => ({
  name,
  ok: problems.length === 0,
  detail: problems.length === 0 ? evidence : problems.slice(0, 5).join("; ")
})

/** Judges a run. */
export const judge = (observed: Observed): Summary => {
  const byRecord = groupBy(observed.holdings, (holding) => holding.record)
  const live = [...byRecord].map(([record, holdings]) => sequenceProblems(record, holdings))
  const durable = [...observed.finalRecords].map(([record, { value }]) => sequenceProblems(record, value.jobs))

  const historyProblems: Array<string> = []
  const versionProblems: Array<string> = []
  let jobs = 0
  for (const [record, seedVersion] of observed.seedVersions) {
    const final = observed.finalRecords.get(record)
    if (final === undefined) {
      historyProblems.push(`${record} is missing`)
      continue
    }
    jobs += final.value.jobs.length
    const history = final.value.jobs.map((job) => `${job.worker}#${job.fence}`)
    const commits = (observed.commits.get(record) ?? []).map((commit) => `${commit.worker}#${commit.fence}`)
    if (history.join() !== commits.join()) {
      historyProblems.push(`${record}: history [${history.join(", ")}] but commits [${commits.join(", ")}]`)
    }
    const expected = seedVersion + final.value.jobs.length
    if (final.version !== expected) versionProblems.push(`${record}: version ${final.version}, expected ${expected}`)
  }

  const jobsByWorker: Record<string, number> = {}
  for (const [, { value }] of observed.finalRecords) {
    for (const job of value.jobs) jobsByWorker[job.worker] = (jobsByWorker[job.worker] ?? 0) + 1
  }

  const { killed, takeover } = observed
  const takeoverProblems = !observed.killExpected
    ? []
    : killed === undefined
      ? ["no worker was killed"]
      : takeover === undefined
        ? [`nobody took over ${killed.record} from ${killed.worker}`]
        : takeover.fenceAfter > takeover.fenceBefore && takeover.afterKill > 0
          ? []
          : [`takeover of ${takeover.record} with token ${takeover.fenceAfter} after ${takeover.fenceBefore}`]
  const exitProblems = observed.exits
    .filter((exit) => exit.code !== 0)
    .map((exit) => `${exit.worker} exited with ${exit.code}`)

  const checks = [
    check(
      "no record was held by two workers at once",
      live.flatMap((problems) => problems.overlaps),
      `${observed.holdings.length} lock holdings on ${byRecord.size} records, the killed worker's included`
    ),
    check(
      "fencing tokens increase with every new holder of a record",
      live.flatMap((problems) => problems.unordered),
      "in the order the locks were taken"
    ),
    check(
      "each record's own history has no overlapping jobs and increasing tokens",
      durable.flatMap((problems) => [...problems.overlaps, ...problems.unordered]),
      `${jobs} jobs in the records' histories`
    ),
    check(
      "every committed job is in its record, and nothing else is",
      historyProblems,
      "histories match the workers' commits one for one"
    ),
    check("every write is counted by the record's version", versionProblems, "no lost or doubled update"),
    ...(observed.killExpected
      ? [
          check(
            "the killed worker's record was taken over",
            takeoverProblems,
            takeover === undefined
              ? ""
              : `${takeover.by} took ${takeover.record} ${(takeover.afterKill / 1000).toFixed(1)} s after the kill, token ${takeover.fenceAfter} > ${takeover.fenceBefore}`
          )
        ]
      : []),
    check("every other worker stopped cleanly", exitProblems, `${observed.exits.length} workers exited with code 0`)
  ]

  return {
    ok: checks.every((c) => c.ok),
    workers: observed.workers,
    records: observed.seedVersions.size,
    jobs,
    jobsByWorker,
    killed: killed === undefined ? null : { worker: killed.worker, record: killed.record, fence: String(killed.fence) },
    takeover:
      takeover === undefined
        ? null
        : {
            record: takeover.record,
            from: takeover.from,
            by: takeover.by,
            fenceBefore: String(takeover.fenceBefore),
            fenceAfter: String(takeover.fenceAfter),
            afterKillMillis: Math.round(takeover.afterKill)
          },
    checks
  }
}
