/**
 * Runs an example's `main.ts` as its own Node process, as `npm start` does, and collects what it printed. The
 * examples are tested as users run them: a separate process with an exit code, not a function call.
 */
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Duration, Effect } from "effect"

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href

/** What a finished example printed, and how it ended. */
export interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly elapsed: Duration.Duration
}

/** `examples/<path>` run to the end with these environment variables added; killed if it outlives `within`. */
export const runExample = (path: string, env: Readonly<Record<string, string>>, within: Duration.DurationInput) =>
  Effect.async<Finished>((resume) => {
    const started = Date.now()
    const script = fileURLToPath(new URL(`../../${path}`, import.meta.url))
    const child = spawn(process.execPath, ["--conditions=@dynalock/source", "--import", tsx, script], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill("SIGINT"), Duration.toMillis(Duration.decode(within)))
    child.once("close", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, stdout, stderr, elapsed: Duration.millis(Date.now() - started) }))
    })
    // Interrupted (the test timed out): SIGINT lets the example close its scopes and stop its own children.
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGINT")
    })
  })
