/**
 * (vii) What metrics and spans cost: the key/value `get` (and on dynalite `put`) and the uncontended lock cycle, on
 * the memory layer and on dynalite, with dynalock's metrics off (`Observability.withoutMetrics`), on (the default:
 * no tracer, so no spans), on with a tracer installed (every span made, as Effect's own span objects), and on with
 * a tracer of bare span objects (bench/support/bareTracer.ts: what is left is dynalock's part). The modes take
 * turns in short rounds, in one run; a ratio is the median over the rounds of a mode's time (or this process's CPU;
 * dynalite's is its own) over "metrics off"'s in the same round, which cancels the machine's drift between rounds.
 */
import { randomUUID } from "node:crypto"
import { Effect, Tracer } from "effect"
import type { Scope } from "effect"
import { Dynalock, Observability } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { MemoryTable } from "@dynalock/test-layer"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { bareTracer } from "./support/bareTracer.js"
import type { Table } from "./support/report.js"

type Mode = "metrics off" | "metrics on (default)" | "metrics and spans on" | "metrics and bare spans on"
const modes: ReadonlyArray<Mode> = [
  "metrics off",
  "metrics on (default)",
  "metrics and spans on",
  "metrics and bare spans on"
]

interface Workload {
  readonly name: string
  /** Operations per round, and rounds: short rounds, many of them, so that the machine's drift hits every mode alike. */
  readonly operations: number
  readonly rounds: number
  readonly make: (mode: Mode) => Effect.Effect<(i: number) => Effect.Effect<unknown, unknown>, never, Scope.Scope>
}

// A tracer whose spans are Effect's own span objects: what any tracer costs dynalock, without an exporter's cost.
const recordingTracer = Effect.map(Effect.tracer, (builtIn) =>
  Tracer.make({ span: (...args) => builtIn.span(...args), context: (f) => f() })
)

const inMode =
  (mode: Mode, tracer: Tracer.Tracer) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    switch (mode) {
      case "metrics off":
        return Observability.withoutMetrics(self)
      case "metrics on (default)":
        return self
      case "metrics and spans on":
        return Effect.withTracer(self, tracer)
      case "metrics and bare spans on":
        return Effect.withTracer(self, bareTracer)
    }
  }

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export interface ObservabilityRow {
  readonly workload: string
  readonly mode: Mode
  readonly opsPerSecond: number
  readonly cpuMicrosPerOp: number
  /** Median over the rounds of this mode's time (and CPU) in a round over "metrics off"'s in the same round. */
  readonly timeRatio: number
  readonly cpuRatio: number
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
          operations: 2_000,
          rounds: 41,
          make: (mode) =>
            Effect.map(memoryServices(mode), ({ store }) => {
              Effect.runSync(Effect.orDie(store.put("k", value)))
              return () => store.get("k")
            })
        },
        {
          name: "memory: lock acquire + release",
          operations: 500,
          rounds: 41,
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
          operations: 10,
          rounds: 601,
          make: (mode) =>
            Effect.flatMap(dynamoServices(mode), ({ store }) =>
              Effect.as(Effect.orDie(store.put("k", value)), () => store.get("k"))
            )
        },
        {
          name: "dynalite: put",
          operations: 10,
          rounds: 401,
          make: (mode) =>
            Effect.map(
              dynamoServices(mode),
              ({ store }) =>
                () =>
                  store.put("k", value)
            )
        },
        {
          name: "dynalite: lock acquire + release",
          operations: 5,
          rounds: 481,
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
              Array.from({ length: workload.operations * 20 }, (_, i) => i),
              (i) => Effect.orDie(operation(i)),
              { discard: true }
            )
          )
        }
        // Each mode takes every place in the order equally often: the first of a round may run on a cooler cache.
        const orders = [modes, [...modes].reverse()].flatMap((order) =>
          order.map((_, shift) => [...order.slice(shift), ...order.slice(0, shift)])
        )
        for (let round = 0; round < workload.rounds; round++) {
          for (const mode of orders[round % orders.length]!) {
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
            runs.get(mode)!.wall.push(wall)
            runs.get(mode)!.cpu.push(cpu.user + cpu.system)
          }
        }
        const off = runs.get("metrics off")!
        for (const mode of modes) {
          const run = runs.get(mode)!
          rows.push({
            workload: workload.name,
            mode,
            opsPerSecond: workload.operations / (median(run.wall) / 1000),
            cpuMicrosPerOp: median(run.cpu) / workload.operations,
            timeRatio: median(run.wall.map((wall, round) => wall / off.wall[round]!)),
            cpuRatio: median(run.cpu.map((cpu, round) => cpu / off.cpu[round]!))
          })
        }
      }
      return {
        rows,
        tables: [
          {
            title: "What metrics and spans cost",
            note:
              `The modes take turns in short rounds, in one run (${workloads.map((w) => `${w.name}: ${w.rounds} rounds of ${w.operations}`).join("; ")}). ` +
              '"metrics on (default)" is a program that installed no tracer (no span is made); "metrics and spans on" ' +
              'has a tracer installed (Effect\'s own span objects, no exporter); "metrics and bare spans on" a tracer of bare ' +
              "span objects (name, parent, attributes, times, outcome; ids from a counter), which leaves dynalock's own part " +
              "of the spans' cost. ops/s and CPU µs/op: the mode's median " +
              "round. Ratios: the median over the rounds of the mode's time (CPU of this process) in a round over " +
              '"metrics off"' +
              "'s (Observability.withoutMetrics) in the same round; > 1 is slower.",
            columns: ["workload", "mode", "ops/s", "CPU µs/op", "time ratio", "CPU ratio"],
            rows: rows.map((row) => [
              row.workload,
              row.mode,
              Math.round(row.opsPerSecond),
              row.cpuMicrosPerOp,
              row.timeRatio.toFixed(3),
              row.cpuRatio.toFixed(3)
            ])
          }
        ]
      }
    })
  )
