/** Lock workers (./lockWorker.ts) as child processes of a test: started in a scope, always killed when it closes. */
import { fileURLToPath } from "node:url"
import type { Effect, Scope } from "effect"
import { spawnJsonLines } from "./childProcess.js"
import type { ChildProcess } from "./childProcess.js"
import type { WorkerArgs, WorkerEvent } from "./workerProtocol.js"

const script = fileURLToPath(new URL("./lockWorker.ts", import.meta.url))

export type WorkerProcess = ChildProcess<WorkerEvent>

/** Narrowing helper: events with this tag. */
export const tagged =
  <T extends WorkerEvent["_tag"]>(tag: T) =>
  (event: WorkerEvent): event is Extract<WorkerEvent, { readonly _tag: T }> =>
    event._tag === tag

export const spawnWorker = (args: WorkerArgs): Effect.Effect<WorkerProcess, never, Scope.Scope> =>
  spawnJsonLines<WorkerEvent>(script, args)
