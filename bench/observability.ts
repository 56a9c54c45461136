/**
 * (vii) What metrics and spans cost: the key/value `get` and the uncontended lock cycle, on the memory layer and on
 * dynalite, with dynalock's metrics off (`Observability.withoutMetrics`), on (the default: no tracer, so no spans),
 * and on with a tracer installed (every span made). The modes take turns in rounds, in one run; the figure is each
 * mode's median over the rounds, of wall time and of this process's CPU per operation (dynalite's is its own).
 */
import { randomUUID } from "node:crypto"
import { Effect, Tracer } from "effect"
import type { Scope } from "effect"
import { Dynalock, Observability } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { MemoryTable } from "@dynalock/test-layer"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type { Table } from "./support/report.js"

type Mode = "metrics off" | "metrics on (default)" | "metrics and spans on"
const modes: ReadonlyArray<Mode> = ["metrics off", "metrics on (default)", "metrics and spans on"]

interface Workload {
  readonly name: string
  readonly operations: number
  readonly make: (mode: Mode) => Effect.Effect<(i: number) => Effect.Effect<unknown, unknown>, never, Scope.Scope>
}

const rounds = 11

// A tracer whose spans are Effect's own span objects: what any tracer costs dynalock, without an exporter's cost.
const recordingTracer = Effect.map(Effect.tracer, (builtIn) =>
  Tracer.make({ span: (...args) => builtIn.span(...args), context: (f) => f() })
)

const inMode =
  (mode: Mode, tracer: Tracer.Tracer) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    mode === "metrics off"
      ? Observability.withoutMetrics(self)
      : mode === "metrics and spans on"
        ? Effect.withTracer(self, tracer)
        : self

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export interface ObservabilityRow {
  readonly workload: string
  readonly mode: Mode
  readonly opsPerSecond: number
  readonly cpuMicrosPerOp: number
}

export interface ObservabilityResult {
  readonly rows: ReadonlyArray<ObservabilityRow>
  readonly tables: ReadonlyArray<Table>
}

export const observability = (server: LocalDynamo.LocalDynamoServer): Effect.Effect<ObservabilityResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const tracer = yield* recordingTracer
      const table = yield* MemoryTable.make
      const memoryServices = (mode: Mode) =>
        inMode(
          mode,
          tracer
        )(Dynalock.makeOn({ store: table.storage(`kv-${mode}`), locks: table.storage(`locks-${mode}`) }))
      const dynamoServices = (mode: Mode) =>
        inMode(
          mode,
          tracer
        )(
          Effect.orDie(
            DynamoStore.make({
              tableName: server.tableName,
              partition: `bench-${randomUUID()}`,
              client: server.clientConfig
            })
          )
        )
      const value = new Uint8Array(100).fill(7)
      const workloads: ReadonlyArray<Workload> = [
        {
          name: "memory: get",
          operations: 20_000,
          make: (mode) =>
            Effect.map(memoryServices(mode), ({ store }) => {
              Effect.runSync(Effect.orDie(store.put("k", value)))
              return () => store.get("k")
            })
        },
        {
          name: "memory: lock acquire + release",
          operations: 10_000,
          make: (mode) =>
            Effect.map(
              memoryServices(mode),
              ({ locker }) =>
                () =>
                  Effect.scoped(locker.acquire("k"))
            )
        },
        {
          name: "dynalite: get",
          operations: 400,
          make: (mode) =>
            Effect.flatMap(dynamoServices(mode), ({ store }) =>
              Effect.as(Effect.orDie(store.put("k", value)), () => store.get("k"))
            )
        },
        {
          name: "dynalite: lock acquire + release",
          operations: 200,
          make: (mode) =>
            Effect.map(
              dynamoServices(mode),
              ({ locker }) =>
                () =>
                  Effect.scoped(locker.acquire("k"))
            )
        }
      ]
      const rows: Array<ObservabilityRow> = []
      for (const workload of workloads) {
        const runs = new Map<Mode, { wall: Array<number>; cpu: Array<number> }>(
          modes.map((mode) => [mode, { wall: [], cpu: [] }])
        )
        const operations = new Map<Mode, (i: number) => Effect.Effect<unknown, unknown>>()
        // One client for every mode, the mode set around each round only: two identical clients differed by some 15%
        // in an A/A run (the first one made was the slower), more than what is measured here.
        const shared = yield* workload.make("metrics on (default)")
        for (const mode of modes) operations.set(mode, shared)
        // Warm-up of every mode, then the modes in turn, round after round.
        for (const mode of modes) {
          const operation = operations.get(mode)!
          yield* inMode(
            mode,
            tracer
          )(
            Effect.forEach(
              Array.from({ length: workload.operations / 10 }, (_, i) => i),
              (i) => Effect.orDie(operation(i)),
              { discard: true }
            )
          )
        }
        for (let round = 0; round < rounds; round++) {
          for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
            const operation = operations.get(mode)!
            // The mode is set once around the whole round: setting it per operation would cost more than metrics.
            const { wall, cpu } = yield* inMode(
              mode,
              tracer
            )(
              Effect.gen(function* () {
                const cpu0 = process.cpuUsage()
                const t0 = performance.now()
                for (let i = 0; i < workload.operations; i++) yield* Effect.orDie(operation(i))
                return { wall: performance.now() - t0, cpu: process.cpuUsage(cpu0) }
              })
            )
            runs.get(mode)!.wall.push(workload.operations / (wall / 1000))
            runs.get(mode)!.cpu.push((cpu.user + cpu.system) / workload.operations)
          }
        }
        for (const mode of modes) {
          const run = runs.get(mode)!
          rows.push({ workload: workload.name, mode, opsPerSecond: median(run.wall), cpuMicrosPerOp: median(run.cpu) })
        }
      }
      const base = (workload: string) => rows.find((row) => row.workload === workload && row.mode === "metrics off")!
      return {
        rows,
        tables: [
          {
            title: "What metrics and spans cost",
            note:
              `Each mode's median over ${rounds} rounds, the modes taking turns in one run. "metrics on (default)" is a ` +
              'program that installed no tracer (no span is made); "metrics and spans on" has a tracer installed ' +
              '(Effect\'s own span objects, no exporter). Ratios are to "metrics off" (Observability.withoutMetrics): ' +
              "time per operation and CPU of this process per operation (> 1 is slower).",
            columns: ["workload", "mode", "ops/s", "CPU µs/op", "time ratio", "CPU ratio"],
            rows: rows.map((row) => {
              const off = base(row.workload)
              return [
                row.workload,
                row.mode,
                Math.round(row.opsPerSecond),
                row.cpuMicrosPerOp,
                (off.opsPerSecond / row.opsPerSecond).toFixed(3),
                (row.cpuMicrosPerOp / off.cpuMicrosPerOp).toFixed(3)
              ]
            })
          }
        ]
      }
    })
  )
