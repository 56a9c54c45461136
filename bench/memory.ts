/** (v) Memory: heap of 10k key/value items in the memory layer; RSS of a worker process holding a lock. */
import { randomUUID } from "node:crypto"
import { Effect } from "effect"
import type * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { spawnWorker } from "./support/processes.js"
import type { Table } from "./support/report.js"
import type { LockWorkerArgs, LockWorkerEvent, MemoryFigures } from "./workers/protocol.js"

type HeapEvent =
  | {
      readonly _tag: "Heap"
      readonly items: number
      readonly valueBytes: number
      readonly heapBefore: number
      readonly heapAfter: number
      readonly rss: number
      readonly lockCycles: number
      readonly lockHeapBefore: number
      readonly lockHeapAfter: number
      /** Root fibers of the worker before and after the lock cycles. */
      readonly fibersBefore: number
      readonly fibersAfter: number
    }
  | { readonly _tag: "Failed"; readonly message: string }

export interface MemoryResult {
  readonly heap: Extract<HeapEvent, { _tag: "Heap" }>
  /** A lock worker process after building its client, before any lock request. */
  readonly idleWorker: MemoryFigures
  /** The same kind of process while holding a renewed lock. */
  readonly holdingWorker: MemoryFigures
  readonly tables: ReadonlyArray<Table>
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/** A worker's memory at the end of its run: holding the lock if `holdMillis` > 0 and it got it. */
const workerMemory = (server: LocalDynamo.LocalDynamoServer, rounds: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const args: LockWorkerArgs = {
        endpoint: server.endpoint,
        tableName: server.tableName,
        partition: `bench-${randomUUID()}`,
        key: "held",
        // Renewals run during the hold: the figure includes the renewing fiber and its requests.
        ttlMillis: 3_000,
        skewMillis: 1_000,
        holdMillis: 5_000,
        durationMillis: 30_000,
        rounds
      }
      const worker = yield* spawnWorker<LockWorkerEvent>("workers/lockWorker.ts", args)
      yield* worker.next("Ready", "60 seconds")
      yield* worker.start
      return (yield* worker.next("Stats", "60 seconds")).memory
    })
  )

export const memory = (server: LocalDynamo.LocalDynamoServer): Effect.Effect<MemoryResult> =>
  Effect.gen(function* () {
    const heap = yield* Effect.scoped(
      Effect.flatMap(spawnWorker<HeapEvent>("workers/heapWorker.ts", 10_000, ["--expose-gc"]), (worker) =>
        worker.next("Heap", "120 seconds")
      )
    )
    const idleWorker = yield* workerMemory(server, 0)
    const holdingWorker = yield* workerMemory(server, 1)
    const perItem = (heap.heapAfter - heap.heapBefore) / heap.items
    return {
      heap,
      idleWorker,
      holdingWorker,
      tables: [
        {
          title: "Memory",
          note:
            "Each figure comes from a fresh Node process running the TypeScript sources through tsx (the tsx loader " +
            "and its caches are part of every RSS figure).",
          columns: ["figure", "value"],
          rows: [
            [
              `memory layer: heap growth for ${heap.items} items of ${heap.valueBytes} B (after GC)`,
              `${mib(heap.heapAfter - heap.heapBefore)} (${Math.round(perItem)} B / item)`
            ],
            ["memory layer: heap used with the items", mib(heap.heapAfter)],
            [
              `memory layer: heap growth over ${heap.lockCycles} lock acquire + release cycles (after GC; target < 5 MiB)`,
              mib(heap.lockHeapAfter - heap.lockHeapBefore)
            ],
            [
              "memory layer: root fibers before / after those cycles (target: none left behind)",
              `${heap.fibersBefore} / ${heap.fibersAfter}`
            ],
            [
              "lock worker: RSS / heap after building its DynamoStore client",
              `${mib(idleWorker.rss)} / ${mib(idleWorker.heapUsed)}`
            ],
            [
              "lock worker: RSS / heap while holding a renewed lock (ttl 3 s, 5 s hold)",
              `${mib(holdingWorker.rss)} / ${mib(holdingWorker.heapUsed)}`
            ]
          ]
        }
      ]
    }
  })
