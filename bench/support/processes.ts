/** Benchmark workers as child processes speaking JSON lines: started in a scope, always killed when it closes. */
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { Duration, Scope } from "effect"
// The child-process harness of the cross-process tests: one implementation for tests and benchmarks.
import { spawnJsonLines } from "../../packages/dynamo-layer/test/support/childProcess.js"

export interface WorkerProcess<E extends { readonly _tag: string }> {
  readonly pid: number
  readonly events: ReadonlyArray<E>
  /** Writes "go": the worker starts its run. */
  readonly start: Effect.Effect<void>
  /** Writes one line (a command) to the worker's stdin. */
  readonly send: (line: string) => Effect.Effect<void>
  /** Calls `listener` with every event from now on, as it arrives. */
  readonly onEvent: (listener: (event: E) => void) => void
  /** The first event with this tag, past or future; a defect if the process ends first or time runs out. */
  readonly next: <T extends E["_tag"]>(
    tag: T,
    within: Duration.DurationInput
  ) => Effect.Effect<Extract<E, { readonly _tag: T }>>
}

/** Runs `bench/<script>` on the TypeScript sources of the workspace (through tsx). */
export const spawnWorker = <E extends { readonly _tag: string }>(
  script: string,
  args: unknown,
  nodeFlags: ReadonlyArray<string> = []
): Effect.Effect<WorkerProcess<E>, never, Scope.Scope> =>
  Effect.map(spawnJsonLines<E>(fileURLToPath(new URL(`../${script}`, import.meta.url)), args, nodeFlags), (child) => ({
    pid: child.pid,
    events: child.events,
    start: child.start,
    send: child.send,
    onEvent: child.onEvent,
    next: <T extends E["_tag"]>(tag: T, within: Duration.DurationInput) =>
      child.waitFor((event): event is Extract<E, { readonly _tag: T }> => event._tag === tag, within)
  }))

/** Starts the workers, waits until every one is ready, then starts them all at once. */
export const startTogether = <E extends { readonly _tag: string }>(workers: ReadonlyArray<WorkerProcess<E>>) =>
  Effect.gen(function* () {
    yield* Effect.forEach(workers, (worker) => worker.next("Ready" as E["_tag"], "90 seconds"), {
      concurrency: "unbounded",
      discard: true
    })
    yield* Effect.forEach(workers, (worker) => worker.start, { discard: true })
  })
