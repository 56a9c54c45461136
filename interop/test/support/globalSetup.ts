/** Builds the Go driver once per run (a few seconds; Go's build cache makes a rebuild quick) and hands its path to
 *  the tests. A missing prerequisite fails the run here, before any test, with what to install. */
import type { TestProject } from "vitest/node"
import { buildDriver } from "../../go/build.js"

declare module "vitest" {
  export interface ProvidedContext {
    readonly goDriver: string
  }
}

export default function setup(project: TestProject): void {
  project.provide("goDriver", buildDriver())
}
