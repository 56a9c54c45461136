/**
 * Which `dynalock` the cli tests run: its build (dist/, ~0.75 s a start) or its TypeScript sources through tsx
 * (~2 s a start, CPU-bound). The build only when it is at least as new as every source it was made from, in cli and
 * in the workspace packages its dist/ imports (their dist/ too), so a stale dist/ is never what a test sees.
 * `DYNALOCK_CLI_TEST=dist|sources` forces one (dist fails the run when the build is stale).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export type Launcher = "dist" | "sources"

const root = fileURLToPath(new URL("../../../../", import.meta.url))

/** The packages whose build a built dynalock runs: cli's own and its workspace dependencies'. */
const builtPackages = ["packages/core", "packages/dynamo-layer", "packages/cli"]

const newestUnder = (path: string): number => {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs // a deleted file shows as a newer directory
  for (const name of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, name)))
  return newest
}

/** Where `tsc -b` records a package's build: its tsconfig's tsBuildInfoFile, else TypeScript's default places. */
const buildInfoOf = (directory: string): string | undefined => {
  const config = JSON.parse(readFileSync(join(directory, "tsconfig.json"), "utf8")) as {
    readonly compilerOptions?: { readonly tsBuildInfoFile?: string; readonly outDir?: string }
  }
  const candidates = [
    config.compilerOptions?.tsBuildInfoFile,
    config.compilerOptions?.outDir === undefined
      ? undefined
      : join(config.compilerOptions.outDir, "tsconfig.tsbuildinfo"),
    "tsconfig.tsbuildinfo"
  ]
  return candidates
    .filter((candidate): candidate is string => candidate !== undefined)
    .map((candidate) => join(directory, candidate))
    .find((path) => existsSync(path))
}

/** Why the build cannot be used; undefined when it is current. */
export const staleBuild = (): string | undefined => {
  if (!existsSync(join(root, "packages/cli/dist/main.js"))) return "packages/cli/dist/main.js does not exist"
  const shared = newestUnder(join(root, "tsconfig.base.json"))
  for (const pkg of builtPackages) {
    const directory = join(root, pkg)
    const buildInfo = buildInfoOf(directory)
    if (buildInfo === undefined) return `${pkg} has no build info`
    const built = statSync(buildInfo).mtimeMs
    const sources = Math.max(
      shared,
      newestUnder(join(directory, "src")),
      newestUnder(join(directory, "package.json")),
      newestUnder(join(directory, "tsconfig.json"))
    )
    if (sources > built) return `${pkg}'s sources changed after its last build`
  }
  return undefined
}

/** The launcher to use, and why. */
export const chooseLauncher = (): { readonly launcher: Launcher; readonly reason: string } => {
  const forced = process.env.DYNALOCK_CLI_TEST ?? ""
  if (forced === "sources") return { launcher: "sources", reason: "DYNALOCK_CLI_TEST=sources" }
  if (forced !== "" && forced !== "dist") throw new Error(`DYNALOCK_CLI_TEST must be dist or sources, not ${forced}`)
  const stale = staleBuild()
  if (stale === undefined)
    return {
      launcher: "dist",
      reason: forced === "dist" ? "DYNALOCK_CLI_TEST=dist" : "dist/ is newer than every source"
    }
  if (forced === "dist") throw new Error(`DYNALOCK_CLI_TEST=dist, but ${stale}: run \`npm run build\``)
  return { launcher: "sources", reason: `${stale} (\`npm run build\` makes these tests faster)` }
}
