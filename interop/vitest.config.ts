// The interop tests against the real Go dynalock (`npm run test:interop`). Not a project of vitest.workspace.ts:
// `npm test` must pass on a machine without Go.
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { alias } from "../vitest.shared.js"

export default defineConfig({
  resolve: { alias },
  test: {
    name: "interop",
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    testTimeout: 60_000,
    // Two files at a time, whatever the number of cores: the lock tests mostly wait for Go's whole seconds.
    maxWorkers: 2,
    minWorkers: 1,
    hookTimeout: 60_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", AWS_EC2_METADATA_DISABLED: "true" }
  }
})
