import { defineWorkspace } from "vitest/config"
import { alias } from "./vitest.shared.js"

const project = (name: string, root: string, testTimeout = 20_000, globalSetup: ReadonlyArray<string> = []) => ({
  resolve: { alias },
  test: {
    name,
    include: [`${root}/test/**/*.test.ts`],
    globalSetup: [...globalSetup],
    testTimeout,
    hookTimeout: 60_000,
    // No test may ever reach for EC2 instance metadata (a non-loopback address) when credentials are missing.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", AWS_EC2_METADATA_DISABLED: "true" }
  }
})

export default defineWorkspace([
  project("core", "packages/core"),
  project("test-layer", "packages/test-layer"),
  project("dynamo-layer", "packages/dynamo-layer", 60_000, ["packages/dynamo-layer/test/support/globalSetup.ts"]),
  project("examples", "examples", 60_000),
  project("cli", "packages/cli", 60_000, ["packages/cli/test/support/globalSetup.ts"])
])
