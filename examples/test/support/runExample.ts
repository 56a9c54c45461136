/**
 * Runs an example's `main.ts` as its own Node process, as `npm start` does, and collects what it printed. The
 * examples are tested as users run them: a separate process with an exit code, not a function call.
 */
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Duration, Effect } from "effect"
import * as ChildProcess from "@dynalock/test-layer/ChildProcess"

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** What a finished example printed, and how it ended. */
export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly elapsed: Duration.Duration
}

/** `examples/<path>` run to the end with these environment variables added; SIGINT if it outlives `within`. */
export const runExample = (path: string, env: Readonly<Record<string, string>>, within: Duration.DurationInput) =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = Date.now()
      const script = fileURLToPath(new URL(`../../${path}`, import.meta.url))
      let stdout = ""
      let stderr = ""
      const child = yield* ChildProcess.spawn(
        process.execPath,
        ["--conditions=@dynalock/source", "--import", tsx, script],
        {
          env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
          onStdout: (line) => (stdout += `${line}\n`),
          onStderr: (line) => (stderr += `${line}\n`),
          // Interrupted (the test timed out): SIGINT lets the example close its scopes and stop its own children.
          stopSignal: "SIGINT"
        }
      )
      const ended = yield* child.closed.pipe(
        Effect.timeout(within),
        Effect.catchTag("TimeoutException", () => Effect.zipRight(child.signal("SIGINT"), child.closed))
      )
      return { code: ended.code, stdout, stderr, elapsed: Duration.millis(Date.now() - started) } satisfies Finished
    })
  )
