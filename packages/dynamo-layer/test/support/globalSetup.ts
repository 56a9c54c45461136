/** Starts the run's shared DynamoDB Local (see startSharedDynamoDbLocal.ts). */
import type { TestProject } from "vitest/node"
import { startShared } from "./startSharedDynamoDbLocal.js"

export default (project: TestProject): Promise<() => Promise<void>> => startShared(project)
