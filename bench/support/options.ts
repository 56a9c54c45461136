/** Command-line options of `npm run bench`: section names, then `--name value` pairs. */

export interface BenchOptions {
  /** The comparison's contention scenarios, and the semaphore run, last this long each (`--seconds`, default 25). */
  readonly scenarioSeconds: number
  /** The comparison's contender processes (`--processes`, default 8). */
  readonly processes: number
  /** Only these rows of the comparison, by id (`--rows dynalock,dlc-100`); all when absent. */
  readonly rows: ReadonlyArray<string> | undefined
  /**
   * How many times each contention scenario of the comparison runs (`--runs`, default 1), the rows taking turns
   * run by run so that the machine's drift falls on all of them; the run of median headline figure is reported.
   */
  readonly runs: number
}

export const defaultOptions: BenchOptions = { scenarioSeconds: 25, processes: 8, rows: undefined, runs: 1 }

export interface CommandLine {
  readonly sections: ReadonlyArray<string>
  readonly options: BenchOptions
  readonly errors: ReadonlyArray<string>
}

const positive = (name: string, text: string | undefined, errors: Array<string>): number | undefined => {
  const value = Number(text)
  if (text === undefined || !Number.isFinite(value) || value <= 0) {
    errors.push(`--${name} needs a positive number, got ${text ?? "nothing"}`)
    return undefined
  }
  return value
}

export const parseCommandLine = (argv: ReadonlyArray<string>): CommandLine => {
  const sections: Array<string> = []
  const errors: Array<string> = []
  let options = defaultOptions
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith("--")) {
      sections.push(arg)
      continue
    }
    const value = argv[++i]
    switch (arg) {
      case "--seconds": {
        const seconds = positive("seconds", value, errors)
        if (seconds !== undefined) options = { ...options, scenarioSeconds: seconds }
        break
      }
      case "--processes": {
        const processes = positive("processes", value, errors)
        if (processes !== undefined) options = { ...options, processes: Math.round(Math.max(2, processes)) }
        break
      }
      case "--runs": {
        const runs = positive("runs", value, errors)
        if (runs !== undefined) options = { ...options, runs: Math.round(runs) }
        break
      }
      case "--rows":
        options = { ...options, rows: (value ?? "").split(",").filter((row) => row.length > 0) }
        break
      default:
        errors.push(`unknown option ${arg}; known: --seconds, --processes, --rows, --runs`)
    }
  }
  return { sections, options, errors }
}
