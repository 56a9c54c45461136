// @effect/platform is an optional peer dependency: only the PlatformKeyValueStore subpath may need it. This follows
// every import from each entry point of the package and lists the packages the entry point needs.
import { readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"

const source = fileURLToPath(new URL("../src/", import.meta.url))
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly exports: Record<string, string | { readonly "@dynalock/source": string }>
  readonly peerDependencies: Record<string, string>
  readonly peerDependenciesMeta?: Record<string, { readonly optional?: boolean }>
}

// Static imports and re-exports, type-only ones included: a declaration file needs those too.
const specifiers = /(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|import\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g

/** The bare module specifiers (packages) reachable from `entry` through relative imports. */
const packagesNeededBy = (entry: string): ReadonlySet<string> => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const match of readFileSync(file, "utf8").matchAll(specifiers)) {
      const specifier = match[1] ?? match[2] ?? match[3]!
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")))
      else packages.add(specifier)
    }
  }
  visit(entry)
  return packages
}

const needsPlatform = (packages: ReadonlySet<string>) =>
  [...packages].some((name) => name.startsWith("@effect/platform"))

describe("@effect/platform is needed by the PlatformKeyValueStore subpath only", () => {
  it("the main entry point reaches no module that imports @effect/platform", () => {
    const packages = packagesNeededBy(resolve(source, "index.ts"))
    assert.isTrue(packages.has("effect"), "the import scan finds the packages the entry point uses")
    assert.isFalse(needsPlatform(packages), `index.ts needs ${[...packages].join(", ")}`)
  })

  it("every subpath but ./PlatformKeyValueStore is free of it, and that one uses it", () => {
    for (const [subpath, conditions] of Object.entries(manifest.exports)) {
      // "./package.json" maps to a file, not to code.
      if (typeof conditions === "string") continue
      const packages = packagesNeededBy(resolve(source, "..", conditions["@dynalock/source"]))
      assert.strictEqual(needsPlatform(packages), subpath === "./PlatformKeyValueStore", subpath)
    }
  })

  it("is declared an optional peer dependency", () => {
    assert.isString(manifest.peerDependencies["@effect/platform"])
    assert.isTrue(manifest.peerDependenciesMeta?.["@effect/platform"]?.optional === true)
  })
})
