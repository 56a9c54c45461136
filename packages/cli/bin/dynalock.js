#!/usr/bin/env node
// The `dynalock` executable. An installed package runs its build (dist/). A workspace checkout that has no build,
// or that asks for the sources with DYNALOCK_CLI_SOURCES=1 (a dist/ left by an earlier `tsc -b` may be stale), runs
// the TypeScript sources in this same process through tsx: no second process between the shell and the command
// run under the lock, so signals and exit statuses pass unchanged.
import { existsSync } from "node:fs"
import { register } from "node:module"

const built = new URL("../dist/main.js", import.meta.url)
const fromSources = process.env.DYNALOCK_CLI_SOURCES === "1" || !existsSync(built)
// The switch is dynalock's own, not the environment of the command it runs.
delete process.env.DYNALOCK_CLI_SOURCES

if (fromSources) {
  register("./sourceConditions.js", import.meta.url)
  const tsx = await import("tsx/esm/api").catch(() => {
    process.stderr.write("dynalock: no build (dist/) and no tsx to run the sources: run `npm run build` first\n")
    process.exit(70)
  })
  tsx.register()
  await import(new URL("../src/main.ts", import.meta.url).href)
} else {
  await import(built.href)
}
