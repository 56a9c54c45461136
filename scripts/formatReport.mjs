// `npm run format:report`: how many files Prettier would rewrite, without failing. Not part of `npm run lint`: the
// formatter came after the code, so the repository is formatted once, in one commit (`npm run format`), after which
// `npm run format:check` can join lint and replace this report.
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"

const prettier = createRequire(import.meta.url).resolve("prettier/bin/prettier.cjs")
const result = spawnSync(process.execPath, [prettier, "--list-different", "."], { encoding: "utf8" })
// 0: all formatted, 1: some differ; anything else is Prettier failing (a syntax error, say), which must fail lint.
if (result.status !== 0 && result.status !== 1) {
  process.stderr.write(result.stderr)
  process.exit(result.status ?? 1)
}
const differing = result.stdout.split("\n").filter((line) => line.length > 0)
console.log(
  differing.length === 0
    ? "format: every file is formatted"
    : `format: ${differing.length} files are not formatted yet (not an error for now; \`npm run format\` writes them)`
)
