/** What @effect/cli needs from the platform, without touching stdin. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import type { FileSystem } from "@effect/platform/FileSystem"
import type { Path } from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import { Effect, Layer, Scope } from "effect"

/**
 * A terminal that opens stdin only when a prompt reads it (only `--wizard` does). NodeTerminal opens it when it is
 * made, and stdin belongs to the command `run` runs: dynalock never reads it, so it holds no stream on it that
 * could take the command's input (opening a pipe also switches it to non-blocking mode).
 */
const lazyTerminal: Layer.Layer<Terminal.Terminal> = Layer.scoped(
  Terminal.Terminal,
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const opened = yield* Effect.cached(Scope.extend(NodeTerminal.make(), scope))
    return Terminal.Terminal.of({
      columns: Effect.sync(() => process.stdout.columns ?? 0),
      rows: Effect.sync(() => process.stdout.rows ?? 0),
      isTTY: Effect.sync(() => process.stdout.isTTY === true),
      display: (text) => Effect.flatMap(opened, (terminal) => terminal.display(text)),
      readInput: Effect.flatMap(opened, (terminal) => terminal.readInput),
      readLine: Effect.flatMap(opened, (terminal) => terminal.readLine)
    })
  })
)

/** FileSystem, Path and Terminal: @effect/cli's environment. */
export const layer: Layer.Layer<FileSystem | Path | Terminal.Terminal> = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer,
  lazyTerminal
)
