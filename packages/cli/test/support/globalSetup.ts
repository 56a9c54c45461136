/** Decides once per run which `dynalock` the cli tests start (see launcher.ts), says so, and hands it to them. */
import type { TestProject } from "vitest/node"
import { chooseLauncher } from "./launcher.js"
import type { Launcher } from "./launcher.js"

declare module "vitest" {
  export interface ProvidedContext {
    readonly dynalockLauncher: Launcher
  }
}

export default function setup(project: TestProject): void {
  const { launcher, reason } = chooseLauncher()
  process.stderr.write(
    `cli tests run dynalock from ${launcher === "dist" ? "its build (dist/)" : "its TypeScript sources"}: ${reason}\n`
  )
  project.provide("dynalockLauncher", launcher)
}
