/**
 * Builds the Go driver (interop/go/driver) against Go dynalock's source, in GOPATH mode and offline: both are copied
 * into a GOPATH under node_modules/.cache, whose dependencies (aws-sdk-go, jmespath) come from Debian's Go packages
 * or from the caller's own GOPATH. Nothing built is kept in the repository.
 *
 * Run directly (`npx tsx interop/go/build.ts`) it builds and prints the driver's path, or says what is missing;
 * with `--check` it only checks.
 */
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url))

const driverSource = join(repositoryRoot, "interop", "go", "driver")
const cacheDirectory = join(repositoryRoot, "node_modules", ".cache", "dynalock-go-interop")
const libraryImportPath = "github.com/wolfeidau/dynalock"
const driverImportPath = "dynalock-interop/driver"

/** Where Go dynalock's source is: `DYNALOCK_GO_SOURCE`, relative paths from the repository root. */
export const goSourceDirectory = (): string =>
  resolve(repositoryRoot, process.env.DYNALOCK_GO_SOURCE ?? "../shared/go-dynalock")

// Debian's golang-*-dev packages install under /usr/share/gocode; a GOPATH of the caller's (e.g. `go get` with
// GO111MODULE=off) serves as well.
const dependencyPaths = (): Array<string> => [
  ...(process.env.GOPATH ?? "").split(delimiter).filter((path) => path !== ""),
  "/usr/share/gocode"
]

const dependencies = [
  { importPath: "github.com/aws/aws-sdk-go/service/dynamodb", debian: "golang-github-aws-aws-sdk-go-dev" },
  { importPath: "github.com/jmespath/go-jmespath", debian: "golang-github-jmespath-go-jmespath-dev" }
]

const install = "apt-get update && apt-get install -y golang-go golang-github-aws-aws-sdk-go-dev"

/** Everything the build needs that is not there, each with how to get it; empty when the build can run. */
export const missingPrerequisites = (): Array<string> => {
  const problems: Array<string> = []
  const go = spawnSync("go", ["version"], { encoding: "utf8" })
  if (go.error !== undefined || go.status !== 0) {
    problems.push(`Go is not installed (no \`go\` on PATH). Debian/Ubuntu, as root: ${install}`)
  }
  for (const dependency of dependencies) {
    const found = dependencyPaths().some((path) => existsSync(join(path, "src", dependency.importPath)))
    if (!found) {
      problems.push(
        `The Go package ${dependency.importPath} is not in ${dependencyPaths().join(" or ")}. Debian/Ubuntu, as root: ` +
          `apt-get install -y ${dependency.debian} (or put it in a GOPATH of yours and set GOPATH)`
      )
    }
  }
  const source = goSourceDirectory()
  if (!existsSync(join(source, "dynamodb.go")) || !existsSync(join(source, "lock.go"))) {
    problems.push(
      `Go dynalock's source is not at ${source} (no dynamodb.go and lock.go there). Set DYNALOCK_GO_SOURCE to a ` +
        `checkout of ${libraryImportPath} (v1, the root package), e.g. one made by \`go get\``
    )
  }
  return problems
}

const copyGoFiles = (from: string, to: string) => {
  mkdirSync(to, { recursive: true })
  for (const name of readdirSync(from)) {
    if (name.endsWith(".go") && !name.endsWith("_test.go")) cpSync(join(from, name), join(to, name))
  }
}

/** Builds the driver and returns the path of its binary; throws an Error saying what is missing or what failed. */
export const buildDriver = (): string => {
  const problems = missingPrerequisites()
  if (problems.length > 0) {
    throw new Error(
      `cannot build the Go dynalock driver for the interop tests:\n${problems.map((p) => `  - ${p}`).join("\n")}`
    )
  }
  const gopath = join(cacheDirectory, "gopath")
  rmSync(join(gopath, "src"), { recursive: true, force: true })
  copyGoFiles(goSourceDirectory(), join(gopath, "src", libraryImportPath))
  copyGoFiles(driverSource, join(gopath, "src", driverImportPath))
  const binary = join(cacheDirectory, "bin", "driver")
  const built = spawnSync("go", ["build", "-o", binary, driverImportPath], {
    cwd: cacheDirectory,
    encoding: "utf8",
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPROXY: "off",
      GOFLAGS: "",
      GOTOOLCHAIN: "local",
      GOPATH: [gopath, ...dependencyPaths()].join(delimiter),
      GOCACHE: join(cacheDirectory, "gocache")
    }
  })
  if (built.error !== undefined || built.status !== 0) {
    throw new Error(`go build of the interop driver failed:\n${built.stderr || String(built.error)}`)
  }
  return binary
}

// `--check` only says whether the build can run (the fail-fast step of `npm run test:interop`).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = missingPrerequisites()
  if (problems.length > 0) {
    console.error(`The interop tests need Go, Debian's aws-sdk-go package and Go dynalock's source. Missing:`)
    for (const problem of problems) console.error(`  - ${problem}`)
    process.exit(1)
  }
  if (process.argv.includes("--check")) {
    console.log(`Go dynalock interop: building against ${goSourceDirectory()}`)
  } else {
    try {
      console.log(buildDriver())
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error))
      process.exit(1)
    }
  }
}
