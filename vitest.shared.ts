// Tests run on the TypeScript sources of the workspace packages, not on their build output.
import { fileURLToPath } from "node:url"

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Vite matches a string alias as a path prefix too, so a subpath entry must come before its package's entry.
export const alias = {
  "@dynalock/test-layer/ChildProcess": source("./packages/test-layer/src/ChildProcess.ts"),
  "@dynalock/test-layer/FaultProxy": source("./packages/test-layer/src/FaultProxy.ts"),
  "@dynalock/test-layer/LocalDynamo": source("./packages/test-layer/src/LocalDynamo.ts"),
  "@dynalock/test-layer/KeyValueStoreSuite": source("./packages/test-layer/src/KeyValueStoreSuite.ts"),
  "@dynalock/test-layer/LockerSuite": source("./packages/test-layer/src/LockerSuite.ts"),
  "@dynalock/test-layer/PlatformKeyValueStoreSuite": source("./packages/test-layer/src/PlatformKeyValueStoreSuite.ts"),
  "@dynalock/core/PlatformKeyValueStore": source("./packages/core/src/PlatformKeyValueStore.ts"),
  "@dynalock/core": source("./packages/core/src/index.ts"),
  "@dynalock/dynamo-layer": source("./packages/dynamo-layer/src/index.ts"),
  "@dynalock/test-layer": source("./packages/test-layer/src/index.ts")
}
