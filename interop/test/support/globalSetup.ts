/** Builds the Go driver once per run (a few seconds; Go's build cache makes a rebuild quick) and hands its path to
 *  the tests; starts the run's shared DynamoDB Local (see sharedDynamoDbLocal.ts). A missing prerequisite fails the
 *  run here, before any test, with what to install. */
import type { TestProject } from "vitest/node"
import { startShared } from "../../../packages/dynamo-layer/test/support/startSharedDynamoDbLocal.js"
import { buildDriver } from "../../go/build.js"

declare module "vitest" {
  export interface ProvidedContext {
    readonly goDriver: string
  }
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide("goDriver", buildDriver())
  return startShared(project)
}
