/** Runs lock worker processes contending on one key of a local server, and analyzes what they report. */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type { LockWorkerArgs, LockWorkerEvent } from "../workers/protocol.js"
import { analyze } from "./contention.js"
import type { ContentionFigures } from "./contention.js"
import { spawnWorker, startTogether } from "./processes.js"

export interface ContentionOptions {
  readonly processes: number
  readonly holdMillis: number
  readonly durationMillis: number
  /** Default 20 s, the Locker's default. */
  readonly ttlMillis?: number
  /** Default 1 s, the Locker's default `maxClockSkew`. */
  readonly skewMillis?: number
}

export const runContention = (
  server: LocalDynamo.LocalDynamoServer,
  options: ContentionOptions
): Effect.Effect<ContentionFigures> =>
  Effect.scoped(
    Effect.gen(function* () {
      const args: LockWorkerArgs = {
        endpoint: server.endpoint,
        tableName: server.tableName,
        partition: `bench-${randomUUID()}`,
        key: "hot",
        ttlMillis: options.ttlMillis ?? 20_000,
        skewMillis: options.skewMillis ?? 1000,
        holdMillis: options.holdMillis,
        durationMillis: options.durationMillis,
        rounds: Number.MAX_SAFE_INTEGER
      }
      const workers = yield* Effect.forEach(
        Array.from({ length: options.processes }),
        () => spawnWorker<LockWorkerEvent>("workers/lockWorker.ts", args),
        { concurrency: "unbounded" }
      )
      yield* startTogether(workers)
      yield* Effect.forEach(workers, (worker) => worker.next("Stats", options.durationMillis + 30_000), {
        concurrency: "unbounded",
        discard: true
      })
      return analyze(workers.map((worker) => worker.events))
    })
  )
