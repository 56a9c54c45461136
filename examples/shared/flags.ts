/**
 * Command-line flags as configuration: `--workers 3` or `--workers=3` is read as the variable `DEMO_WORKERS`, and
 * a flag wins over the environment. Programs read their settings with `Config` only, wherever they come from.
 */
import { ConfigProvider } from "effect"

const flagName = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/

/** The `DEMO_*` variables that `argv` sets. A flag without a value reads as "true". */
export const parseFlags = (argv: ReadonlyArray<string>, prefix = "DEMO_"): Map<string, string> => {
  const values = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const match = flagName.exec(argv[i] ?? "")
    if (match === null) continue
    const name = `${prefix}${match[1]!.replaceAll("-", "_").toUpperCase()}`
    const next = argv[i + 1]
    if (match[2] !== undefined) values.set(name, match[2])
    else if (next !== undefined && !next.startsWith("--")) values.set(name, argv[++i]!)
    else values.set(name, "true")
  }
  return values
}

/** Flags first, then the environment. */
export const flagsThenEnv = (argv: ReadonlyArray<string>): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromMap(parseFlags(argv)).pipe(ConfigProvider.orElse(() => ConfigProvider.fromEnv()))
