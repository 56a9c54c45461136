/**
 * Runs the comparison's scenarios: contender processes of one row against the shared server, every request through
 * the counting proxy, counted there by client tag.
 */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import type { TrafficStats } from "@dynalock/test-layer/FaultProxy"
import { analyze } from "../support/contention.js"
import type { ContentionFigures } from "../support/contention.js"
import { spawnWorker, startTogether } from "../support/processes.js"
import type { WorkerProcess } from "../support/processes.js"
import { rawTag } from "../workers/contenderProtocol.js"
import type { LockWorkerEvent } from "../workers/protocol.js"
import type {
  ContenderScenario,
  ContenderWorkerArgs,
  ContenderWorkerEvent,
  Paired
} from "../workers/contenderProtocol.js"
import type { ContenderEnvironment } from "./adapters/contender.js"
import type { ContenderRow } from "./contenders.js"

/** What every scenario of one comparison shares. */
export interface Arena {
  readonly proxy: FaultProxy.FaultProxy
  readonly keyedTable: string
  readonly hashTable: string
}

export type Requests = Record<string, number>

export const totalOf = (requests: Requests): number => Object.values(requests).reduce((sum, n) => sum + n, 0)

/** Requests the server got from `tag` between two snapshots of the proxy's counts, by operation. */
const forwardedSince = (before: FaultProxy.ProxyStats, after: FaultProxy.ProxyStats, tag: string): Requests => {
  const counts = (stats: TrafficStats | undefined) => stats?.forwardedByOperation ?? {}
  const earlier = counts(before.byClient[tag])
  return Object.fromEntries(
    Object.entries(counts(after.byClient[tag]))
      .map(([operation, n]) => [operation, n - (earlier[operation] ?? 0)] as const)
      .filter(([, n]) => n > 0)
  )
}

const environmentOf = (
  arena: Arena,
  row: ContenderRow,
  scenario: string,
  partition: string,
  i: number
): ContenderEnvironment => ({
  endpoint: arena.proxy.endpoint,
  tag: `${row.id}/${scenario}/${i + 1}`,
  keyedTable: arena.keyedTable,
  hashTable: arena.hashTable,
  partition
})

/**
 * Spawns `processes` contenders of `row` for `scenario`, starts them together once all are ready, waits for every
 * report, and returns each process's events with the requests the server got from it (and from its raw client)
 * in between.
 */
const runWorkers = (
  arena: Arena,
  row: ContenderRow,
  name: string,
  processes: number,
  scenario: ContenderScenario,
  within: number
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const partition = `peers-${row.id}-${name}-${randomUUID()}`
      const environments = Array.from({ length: processes }, (_, i) => environmentOf(arena, row, name, partition, i))
      const workers = yield* Effect.forEach(
        environments,
        (environment) =>
          spawnWorker<ContenderWorkerEvent>("workers/contenderWorker.ts", {
            row,
            environment,
            scenario
          } satisfies ContenderWorkerArgs),
        { concurrency: "unbounded" }
      )
      if (scenario._tag === "Contend" && scenario.forcedHandoff) relayEntries(workers)
      const before = yield* Effect.zipRight(
        Effect.forEach(workers, (worker) => worker.next("Ready", "90 seconds"), {
          concurrency: "unbounded",
          discard: true
        }),
        arena.proxy.stats
      )
      yield* startTogether(workers)
      yield* Effect.forEach(workers, (worker) => worker.next("Stats", within), {
        concurrency: "unbounded",
        discard: true
      })
      const after = yield* arena.proxy.stats
      return workers.map((worker, i) => ({
        events: worker.events,
        server: forwardedSince(before, after, environments[i]!.tag),
        serverRaw: forwardedSince(before, after, rawTag(environments[i]!.tag))
      }))
    })
  )

/** Tells every other process, the moment one enters its section: the forced handoff's permission to try again. */
const relayEntries = (workers: ReadonlyArray<WorkerProcess<ContenderWorkerEvent>>) =>
  workers.forEach((worker, i) =>
    worker.onEvent((event) => {
      if (event._tag !== "Entered") return
      workers.forEach((other, j) => {
        if (j !== i) Effect.runSync(other.send(`entered ${event.enter}`))
      })
    })
  )

export interface ContentionRun {
  readonly figures: ContentionFigures
  /** Requests as each process counted them on its client, summed: the server's count should match. */
  readonly clientRequests: number
  readonly serverRequests: number
}

export const contend = (
  arena: Arena,
  row: ContenderRow,
  options: {
    readonly processes: number
    readonly holdMillis: number
    readonly durationMillis: number
    readonly forcedHandoff: boolean
  }
): Effect.Effect<ContentionRun> =>
  Effect.map(
    runWorkers(
      arena,
      row,
      options.forcedHandoff ? "handoff" : "barging",
      options.processes,
      {
        _tag: "Contend",
        key: "hot",
        holdMillis: options.holdMillis,
        durationMillis: options.durationMillis,
        forcedHandoff: options.forcedHandoff
      },
      options.durationMillis + 60_000
    ),
    (runs) => {
      const analyzed = analyze(
        runs.map(({ events }) => events.filter((event): event is LockWorkerEvent => event._tag !== "Measured")),
        runs.map(({ server }) => server)
      )
      // Over the scenario's length, not first entry to last exit: a lock that hands out one acquisition in the
      // whole run must not look as fast as one that hands out one every 50 ms.
      const figures = { ...analyzed, acquisitionsPerSecond: analyzed.acquisitions / (options.durationMillis / 1000) }
      return {
        figures,
        clientRequests: figures.processes.reduce((sum, _, i) => {
          const stats = runs[i]!.events.find((event) => event._tag === "Stats")
          return sum + (stats?._tag === "Stats" ? totalOf(stats.requests) : 0)
        }, 0),
        serverRequests: runs.reduce((sum, { server }) => sum + totalOf(server), 0)
      }
    }
  )

export interface PairedRun {
  readonly pairs: ReadonlyArray<Paired>
  /** Server requests per measured operation (each pair's operations count once): the library's and the raw client's. */
  readonly requestsPerOperation: { readonly library: Requests; readonly raw: Requests }
}

const perOperation = (requests: Requests, operations: number): Requests =>
  Object.fromEntries(Object.entries(requests).map(([operation, n]) => [operation, n / operations]))

const paired = (
  arena: Arena,
  row: ContenderRow,
  name: string,
  scenario: ContenderScenario,
  operations: number
): Effect.Effect<PairedRun> =>
  Effect.flatMap(runWorkers(arena, row, name, 1, scenario, 300_000), ([run]) => {
    const measured = run!.events.find((event) => event._tag === "Measured")
    if (measured?._tag !== "Measured") return Effect.dieMessage(`${row.id} ${name}: no measurements`)
    return Effect.succeed({
      pairs: measured.pairs,
      requestsPerOperation: {
        library: perOperation(run!.server, operations),
        raw: perOperation(run!.serverRaw, operations)
      }
    })
  })

export const uncontended = (arena: Arena, row: ContenderRow, cycles: number): Effect.Effect<PairedRun> =>
  paired(
    arena,
    row,
    "uncontended",
    { _tag: "Uncontended", key: "solo", cycles, warmup: Math.ceil(cycles / 10) },
    cycles
  )

/** dynalock's get and put against the same requests sent raw; both operations' requests are summed. */
export const keyValue = (arena: Arena, row: ContenderRow, operations: number): Effect.Effect<PairedRun> =>
  paired(arena, row, "kv", { _tag: "KeyValue", operations, warmup: Math.ceil(operations / 10) }, operations)
