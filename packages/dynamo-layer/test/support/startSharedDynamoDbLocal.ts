/**
 * The globalSetup side of the run's shared DynamoDB Local (see sharedDynamoDbLocal.ts for the test files' side).
 * Imports nothing of vitest's runtime: globalSetup runs in vitest's main process, where `vitest` cannot be imported.
 */
import { Effect, Exit, Scope } from "effect"
import type { TestProject } from "vitest/node"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"

/** What globalSetup hands the test files. */
export interface SharedServer {
  readonly endpoint: string
  readonly pid: number
}

declare module "vitest" {
  export interface ProvidedContext {
    readonly sharedDynamoDbLocal: SharedServer | undefined
  }
}

/**
 * globalSetup: starts DynamoDB Local when two or more of the project's files are in this run (a single file gains
 * nothing, and most files of a project need no DynamoDB Local); returns the teardown.
 */
export const startShared = async (project: TestProject): Promise<() => Promise<void>> => {
  const files = project.vitest.state.getPaths().filter((file) => project.matchesTestGlob(file))
  if (files.length < 2) {
    project.provide("sharedDynamoDbLocal", undefined)
    return async () => {}
  }
  const scope = Effect.runSync(Scope.make())
  const server = await Effect.runPromise(
    Scope.extend(LocalDynamo.make({ engine: "dynamodb-local", tableName: "warm-up" }), scope)
  )
  project.provide("sharedDynamoDbLocal", { endpoint: server.endpoint, pid: server.pid })
  return () => Effect.runPromise(Scope.close(scope, Exit.void))
}
