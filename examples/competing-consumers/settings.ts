/**
 * The demo's settings, from flags or the environment (`--workers 3` or `DEMO_WORKERS=3`). The defaults make
 * `npm start` show everything (contention, a SIGKILL mid-job, the takeover after the lease) in about half a minute.
 */
import { Config, Duration, Option } from "effect"

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a positive integer`, validation: (n) => n > 0 })
  )

const duration = (name: string, fallback: Duration.DurationInput) =>
  Config.duration(name).pipe(
    Config.withDefault(Duration.decode(fallback)),
    Config.validate({
      message: `${name} must be a positive duration, e.g. "3 seconds"`,
      validation: (d: Duration.Duration) => Duration.greaterThan(d, Duration.zero)
    })
  )

/**
 * What one worker process needs: how long its leases are and how long its jobs take.
 */
export interface WorkerSettings {
  /** Lock lease length (`DEMO_TTL`). A killed worker's record is taken over this long (plus the skew bound) after its last renewal. */
  readonly ttl: Duration.Duration
  /** Shortest and longest simulated job (`DEMO_WORK_MIN`, `DEMO_WORK_MAX`). */
  readonly workMin: Duration.Duration
  readonly workMax: Duration.Duration
  /** Pause when every record is held by someone else (`DEMO_IDLE`). */
  readonly idle: Duration.Duration
  /** The clock-skew bound every client of the table must agree on (`DEMO_MAX_CLOCK_SKEW`). */
  readonly maxClockSkew: Duration.Duration
}

/** @see WorkerSettings */
export const WorkerSettings: Config.Config<WorkerSettings> = Config.all({
  ttl: duration("DEMO_TTL", "3 seconds"),
  workMin: duration("DEMO_WORK_MIN", "300 millis"),
  workMax: duration("DEMO_WORK_MAX", "1200 millis"),
  idle: duration("DEMO_IDLE", "150 millis"),
  maxClockSkew: duration("DEMO_MAX_CLOCK_SKEW", "1 second")
}).pipe(
  Config.validate({
    message: "DEMO_WORK_MIN must not exceed DEMO_WORK_MAX",
    validation: (settings) => Duration.lessThanOrEqualTo(settings.workMin, settings.workMax)
  })
)

/**
 * The whole demo.
 */
export interface DemoSettings extends WorkerSettings {
  /** Worker processes (`DEMO_WORKERS`, at least 2: one is killed, another must take over). */
  readonly workers: number
  /** Work records in the Agent partition (`DEMO_RECORDS`). */
  readonly records: number
  /** How long the workers work before they are told to stop (`DEMO_DURATION`). */
  readonly duration: Duration.Duration
  /** When to SIGKILL a worker in the middle of a job (`DEMO_KILL_AFTER`; `DEMO_KILL=false` for no kill). */
  readonly killAfter: Option.Option<Duration.Duration>
  /** Also write the summary as JSON to this file (`DEMO_SUMMARY_FILE`), for tests and scripts. */
  readonly summaryFile: Option.Option<string>
}

/** @see DemoSettings */
export const DemoSettings: Config.Config<DemoSettings> = Config.all({
  worker: WorkerSettings,
  workers: positive("DEMO_WORKERS", 4).pipe(
    Config.validate({ message: "DEMO_WORKERS must be at least 2", validation: (n) => n >= 2 })
  ),
  records: positive("DEMO_RECORDS", 5),
  duration: duration("DEMO_DURATION", "15 seconds"),
  kill: Config.boolean("DEMO_KILL").pipe(Config.withDefault(true)),
  killAfter: duration("DEMO_KILL_AFTER", "4 seconds"),
  summaryFile: Config.option(Config.nonEmptyString("DEMO_SUMMARY_FILE"))
}).pipe(
  Config.map(({ kill, killAfter, worker, ...rest }) => ({
    ...worker,
    ...rest,
    killAfter: kill ? Option.some(killAfter) : Option.none()
  })),
  Config.validate({
    message: "DEMO_KILL_AFTER must be shorter than DEMO_DURATION",
    validation: (settings) =>
      Option.match(settings.killAfter, {
        onNone: () => true,
        onSome: (after) => Duration.lessThan(after, settings.duration)
      })
  })
)

/** The variables that give a worker process these settings. */
export const workerEnv = (settings: WorkerSettings): Record<string, string> => {
  const millis = (d: Duration.Duration) => `${Duration.toMillis(d)} millis`
  return {
    DEMO_TTL: millis(settings.ttl),
    DEMO_WORK_MIN: millis(settings.workMin),
    DEMO_WORK_MAX: millis(settings.workMax),
    DEMO_IDLE: millis(settings.idle),
    DEMO_MAX_CLOCK_SKEW: millis(settings.maxClockSkew)
  }
}
