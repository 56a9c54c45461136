/**
 * The lock clients the comparison runs, one row each, in one table: dynalock under named settings and the peer
 * libraries under theirs. Add a row here and every scenario of `npm run bench -- peers` runs it.
 */

/** dynalock's knobs as plain data (the worker builds the Schedule and the Durations). */
export interface DynalockSettings {
  /** `acquire`'s `retry: Schedule.spaced(n ms)`; default: the Locker's own (jittered exponential, 50 ms to 1 s). */
  readonly retrySpacedMillis?: number
  /** `LockerSettings.queueGrace`; default 2 s. */
  readonly queueGraceMillis?: number
  /** `LockerSettings.maxClockSkew`; default 1 s. */
  readonly maxClockSkewMillis?: number
}

/** What a contender process builds: a library and its settings. */
export type ContenderSpec =
  | { readonly library: "dynalock"; readonly settings: DynalockSettings }
  /** `new FailClosed({ acquirePeriodMs })`: a lock item with no lease, retried every `acquirePeriodMs`. */
  | { readonly library: "dynamodb-lock-client"; readonly acquirePeriodMillis: number }
  /** `lockClient.lock(group, id, options)`; options left out are the library's defaults. */
  | {
      readonly library: "@deliveryhero/dynamodb-lock"
      readonly options: { readonly trustLocalTime?: boolean; readonly waitDurationInMs?: number }
    }

export interface ContenderRow {
  /** Short and unique: client tags, `--rows` filters and results.json use it. */
  readonly id: string
  readonly label: string
  readonly spec: ContenderSpec
}

export const dynalockRows: ReadonlyArray<ContenderRow> = [
  { id: "dynalock", label: "dynalock defaults", spec: { library: "dynalock", settings: {} } },
  {
    id: "dynalock-tuned",
    label: "dynalock, retry spaced 10 ms, queueGrace 200 ms",
    spec: { library: "dynalock", settings: { retrySpacedMillis: 10, queueGraceMillis: 200 } }
  }
]

export const peerRows: ReadonlyArray<ContenderRow> = [
  {
    id: "dlc-100",
    label: "dynamodb-lock-client FailClosed, 100 ms period",
    spec: { library: "dynamodb-lock-client", acquirePeriodMillis: 100 }
  },
  {
    id: "dlc-20",
    label: "dynamodb-lock-client FailClosed, 20 ms period",
    spec: { library: "dynamodb-lock-client", acquirePeriodMillis: 20 }
  },
  {
    id: "dh-trust-20",
    label: "@deliveryhero/dynamodb-lock, trustLocalTime, 20 ms",
    spec: { library: "@deliveryhero/dynamodb-lock", options: { trustLocalTime: true, waitDurationInMs: 20 } }
  },
  {
    id: "dh",
    label: "@deliveryhero/dynamodb-lock defaults",
    spec: { library: "@deliveryhero/dynamodb-lock", options: {} }
  }
]

export const contenderRows: ReadonlyArray<ContenderRow> = [...dynalockRows, ...peerRows]

export const isPeer = (row: ContenderRow): boolean => row.spec.library !== "dynalock"
