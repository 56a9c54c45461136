/**
 * (vi) dynalock beside the peer lock libraries (dynamodb-lock-client, @deliveryhero/dynamodb-lock), each in the
 * same contender loop, against the same dynalite process in the same run, requests counted at the server (a
 * FaultProxy with no faults in front of it). The rows are the table in peers/contenders.ts.
 */
import { createRequire } from "node:module"
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { Effect, Schedule } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { contenderRows, dynalockRows } from "./peers/contenders.js"
import { comparisonTables } from "./peers/report.js"
import { rowResult } from "./peers/runs.js"
import type { Runs } from "./peers/runs.js"
import type { ComparisonSettings, RowResult } from "./peers/report.js"
import { contend, keyValue, uncontended } from "./peers/scenarios.js"
import type { Arena, PairedRun } from "./peers/scenarios.js"
import type { BenchOptions } from "./support/options.js"
import type { Table } from "./support/report.js"

const require = createRequire(import.meta.url)

/** The versions installed, as the report names them. */
const versionsOf = (names: ReadonlyArray<string>): Record<string, string> =>
  Object.fromEntries(
    names.map((name) => [name, (require(`${name}/package.json`) as { readonly version: string }).version])
  )

/** A table keyed by HASH `id` alone: dynamodb-lock-client's FailClosed takes no sort key. */
const hashTableName = "peer-locks"

const createHashTable = (server: LocalDynamo.LocalDynamoServer) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new DynamoDBClient(server.clientConfig)),
    (client) =>
      Effect.gen(function* () {
        yield* Effect.promise(() =>
          client.send(
            new CreateTableCommand({
              TableName: hashTableName,
              AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
              KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
              BillingMode: "PAY_PER_REQUEST"
            })
          )
        )
        yield* Effect.promise(() => client.send(new DescribeTableCommand({ TableName: hashTableName }))).pipe(
          Effect.filterOrFail((described) => described.Table?.TableStatus === "ACTIVE"),
          Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds"))),
          Effect.orDie
        )
      }),
    (client) => Effect.sync(() => client.destroy())
  )

export interface PeersResult {
  readonly settings: ComparisonSettings
  readonly rows: ReadonlyArray<RowResult>
  readonly keyValue: PairedRun | undefined
  readonly tables: ReadonlyArray<Table>
}

export const peers = (server: LocalDynamo.LocalDynamoServer, options: BenchOptions): Effect.Effect<PeersResult> =>
  Effect.scoped(
    Effect.gen(function* () {
      const settings: ComparisonSettings = {
        processes: options.processes,
        holdMillis: 50,
        scenarioMillis: Math.round(options.scenarioSeconds * 1000),
        // About 3 s of cycles for dynalock at the default 25 s scenarios.
        uncontendedCycles: Math.max(50, Math.round(options.scenarioSeconds * 12)),
        runs: options.runs,
        keyValueOperations: Math.max(50, Math.round(options.scenarioSeconds * 80)),
        versions: versionsOf([
          "dynamodb-lock-client",
          "aws-sdk",
          "@deliveryhero/dynamodb-lock",
          "@aws-sdk/lib-dynamodb",
          "@aws-sdk/client-dynamodb"
        ])
      }
      const selected = contenderRows.filter((row) => options.rows === undefined || options.rows.includes(row.id))
      if (selected.length === 0)
        return yield* Effect.dieMessage(`no rows match --rows; ids: ${contenderRows.map((row) => row.id).join(", ")}`)
      const proxy = yield* FaultProxy.make({ target: server.endpoint })
      yield* createHashTable(server)
      const arena: Arena = { proxy, keyedTable: server.tableName, hashTable: hashTableName }
      const contention = {
        processes: settings.processes,
        holdMillis: settings.holdMillis,
        durationMillis: settings.scenarioMillis
      }
      const results = new Map<string, Runs>()
      // Run by run, every row in turn: a drift of the machine over the section falls on all rows alike.
      for (let run = 1; run <= settings.runs; run++) {
        for (const row of selected) {
          const started = performance.now()
          const before = results.get(row.id)
          const runs: Runs = {
            uncontended: before?.uncontended ?? (yield* uncontended(arena, row, settings.uncontendedCycles)),
            barging: [...(before?.barging ?? []), yield* contend(arena, row, { ...contention, forcedHandoff: false })],
            forced: [...(before?.forced ?? []), yield* contend(arena, row, { ...contention, forcedHandoff: true })]
          }
          results.set(row.id, runs)
          const seconds = Math.round((performance.now() - started) / 1000)
          console.error(`peers: ${row.id} run ${run} of ${settings.runs} done in ${seconds} s`)
        }
      }
      const rows = selected.map((row) => rowResult(row, results.get(row.id)!))
      const dynalock = selected.find((row) => row.id === dynalockRows[0]!.id)
      const kv = dynalock === undefined ? undefined : yield* keyValue(arena, dynalock, settings.keyValueOperations)
      return { settings, rows, keyValue: kv, tables: comparisonTables(rows, kv, settings) }
    })
  )
