/** (i) Key/value operations on the memory layer and on dynalite in its own process. */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type { KeyValueStore, KVPair } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { MemoryStore } from "@dynalock/test-layer"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { measure } from "./support/measure.js"
import type { Measured } from "./support/measure.js"
import type { Table } from "./support/report.js"

interface Plan {
  readonly single: number
  readonly cas: number
  readonly list: number
  readonly concurrent: number
  /** Untimed runs first, and rounds whose median gives ops/s (see `measure`): a memory operation takes microseconds. */
  readonly timing: { readonly warmup?: number; readonly rounds?: number }
}

const memoryPlan: Plan = {
  single: 20_000,
  cas: 20_000,
  list: 2_000,
  concurrent: 20_000,
  timing: { warmup: 2_000, rounds: 20 }
}
const dynalitePlan: Plan = { single: 2_000, cas: 500, list: 500, concurrent: 4_000, timing: {} }
const inFlight = 16

export interface KvRow {
  readonly backend: string
  readonly operation: string
  readonly measured: Measured
}

const value = new Uint8Array(100).fill(7)
const keys = 1_000

const operations = (store: KeyValueStore["Type"], plan: Plan) =>
  Effect.gen(function* () {
    const rows: Array<readonly [string, Measured]> = []
    rows.push(["put (100 B)", yield* measure(plan.single, (i) => store.put(`k-${i % keys}`, value), plan.timing)])
    rows.push(["get", yield* measure(plan.single, (i) => store.get(`k-${i % keys}`), plan.timing)])
    // A compare-and-set chain per key: each write names the version the previous one produced.
    const latest = new Map<string, KVPair>()
    rows.push([
      "atomicPut (CAS on previous)",
      yield* measure(
        plan.cas,
        (i) => {
          const key = `cas-${i % 100}`
          const previous = latest.get(key)
          return Effect.map(store.atomicPut(key, value, { previous }), (pair) => latest.set(key, pair))
        },
        plan.timing
      )
    ])
    yield* Effect.forEach(
      Array.from({ length: 100 }, (_, i) => i),
      (i) => store.put(`list/${String(i).padStart(3, "0")}`, value),
      {
        discard: true
      }
    ).pipe(Effect.orDie)
    rows.push(["list (100 items)", yield* measure(plan.list, () => store.list("list/"), plan.timing)])
    rows.push([
      `get, ${inFlight} in flight`,
      yield* measure(plan.concurrent, (i) => store.get(`k-${i % keys}`), { ...plan.timing, concurrency: inFlight })
    ])
    rows.push([
      `put, ${inFlight} in flight`,
      yield* measure(plan.concurrent, (i) => store.put(`k-${i % keys}`, value), {
        ...plan.timing,
        concurrency: inFlight
      })
    ])
    return rows
  })

export interface KvResult {
  readonly rows: ReadonlyArray<KvRow>
  readonly tables: ReadonlyArray<Table>
}

export const kv = (server: LocalDynamo.LocalDynamoServer): Effect.Effect<KvResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const memory = yield* MemoryStore.make()
      const dynamo = yield* DynamoStore.make({
        tableName: server.tableName,
        partition: `bench-${randomUUID()}`,
        client: server.clientConfig
      })
      const rows: Array<KvRow> = [
        ...(yield* operations(memory.store, memoryPlan)).map(([operation, measured]) => ({
          backend: "memory",
          operation,
          measured
        })),
        ...(yield* operations(dynamo.store, dynalitePlan)).map(([operation, measured]) => ({
          backend: "dynalite",
          operation,
          measured
        }))
      ]
      return {
        rows,
        tables: [
          {
            title: "Key/value operations",
            note:
              "One client in the benchmark process; dynalite runs in its own process on 127.0.0.1. Sequential unless " +
              `marked "in flight". Latency is per operation; ops/s over the whole run on dynalite, and on memory the ` +
              "median of 20 rounds after 2,000 untimed operations (a cold JIT or another process's burst moved the " +
              "memory figures by 30% between runs), run without per-operation clock reads, which cost a fifth of a " +
              "memory get; memory latencies come from a timed pass before those rounds.",
            columns: ["backend", "operation", "ops", "ops/s", "p50 ms", "p99 ms"],
            rows: rows.map(({ backend, operation, measured }) => [
              backend,
              operation,
              measured.operations,
              Math.round(measured.opsPerSecond),
              measured.latency.p50,
              measured.latency.p99
            ])
          }
        ]
      }
    })
  )
