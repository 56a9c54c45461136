/** (ii) Uncontended lock acquire + release latency, and the requests each cycle costs. */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { Locker } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { MemoryStore } from "@dynalock/test-layer"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { countingClient } from "./support/countingClient.js"
import { measure } from "./support/measure.js"
import type { Measured } from "./support/measure.js"
import type { Table } from "./support/report.js"

export interface LockLatencyRow {
  readonly backend: string
  readonly pattern: string
  readonly measured: Measured
  /** Requests per acquire + release, where they are counted. */
  readonly requestsPerCycle?: number
  readonly mix?: string
}

const cycle = (locker: Locker["Type"], key: string) =>
  Effect.scoped(Effect.flatMap(locker.acquire(key), (lock) => lock.release))

const cycles = 1_000

export interface LockLatencyResult {
  readonly rows: ReadonlyArray<LockLatencyRow>
  readonly tables: ReadonlyArray<Table>
}

export const lockLatency = (server: LocalDynamo.LocalDynamoServer): Effect.Effect<LockLatencyResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const memory = yield* MemoryStore.make()
      const counter = countingClient(server.clientConfig)
      yield* Effect.addFinalizer(() => Effect.sync(() => counter.client.destroy()))
      const dynamo = yield* DynamoStore.make({
        tableName: server.tableName,
        partition: `bench-${randomUUID()}`,
        client: counter.client
      })

      const rows: Array<LockLatencyRow> = []
      rows.push({
        backend: "memory",
        pattern: "same key, acquire + release",
        measured: yield* measure(cycles * 20, () => cycle(memory.locker, "k"), { warmup: 2_000, rounds: 20 })
      })
      for (const [pattern, keyOf] of [
        ["same key, acquire + release", () => "k"],
        ["a new key each time, acquire + release", (i: number) => `fresh-${i}`]
      ] as const) {
        const warm = 100
        for (let i = 0; i < warm; i++) yield* Effect.orDie(cycle(dynamo.locker, `${keyOf(-1 - i)}`))
        const before = { ...counter.counts }
        const measured = yield* measure(cycles, (i) => cycle(dynamo.locker, keyOf(i)), { warmup: 0 })
        const spent = Object.entries(counter.counts).map(
          ([operation, n]) => [operation, (n - (before[operation] ?? 0)) / cycles] as const
        )
        rows.push({
          backend: "dynalite",
          pattern,
          measured,
          requestsPerCycle: spent.reduce((sum, [, n]) => sum + n, 0),
          mix: spent
            .filter(([, n]) => n > 0)
            .map(([operation, n]) => `${operation} ${n.toFixed(2)}`)
            .join(", ")
        })
      }
      return {
        rows,
        tables: [
          {
            title: "Uncontended lock: acquire + release",
            note:
              "One client in the benchmark process, default options (ttl 20 s, renewal on). dynalite in its own process. " +
              "memory: 20,000 cycles after 2,000 untimed, cycles/s the median of 20 rounds of 1,000 (a pass without " +
              "per-cycle clock reads, after the timed one).",
            columns: ["backend", "pattern", "cycles", "cycles/s", "p50 ms", "p99 ms", "requests / cycle"],
            rows: rows.map((row) => [
              row.backend,
              row.pattern,
              row.measured.operations,
              Math.round(row.measured.opsPerSecond),
              row.measured.latency.p50,
              row.measured.latency.p99,
              row.mix === undefined ? "-" : `${row.requestsPerCycle!.toFixed(2)} (${row.mix})`
            ])
          }
        ]
      }
    })
  )
