/** What the comparison tells a contender process (argv) and what it reports beyond the lock worker's events. */
import type { ContenderEnvironment } from "../peers/adapters/contender.js"
import type { ContenderRow } from "../peers/contenders.js"
import type { Summary } from "../support/stats.js"
import type { LockWorkerEvent } from "./protocol.js"

export type ContenderScenario =
  /**
   * Acquire, hold `holdMillis`, release, again, until `durationMillis` after "go". With `forcedHandoff`, a process
   * that released calls `acquire` again only once another process has entered since: the parent relays each
   * entry to the others as a stdin line `entered <ms>`.
   */
  | {
      readonly _tag: "Contend"
      readonly key: string
      readonly holdMillis: number
      readonly durationMillis: number
      readonly forcedHandoff: boolean
    }
  /** `cycles` acquire + release on `key`, interleaved with as many raw conditional Put + Delete cycles. */
  | { readonly _tag: "Uncontended"; readonly key: string; readonly cycles: number; readonly warmup: number }
  /** dynalock only: `get` and `put`, each interleaved with the very request it sends, sent raw. */
  | { readonly _tag: "KeyValue"; readonly operations: number; readonly warmup: number }

export interface ContenderWorkerArgs {
  readonly row: ContenderRow
  readonly environment: ContenderEnvironment
  readonly scenario: ContenderScenario
}

/** A latency pair from one interleaved run: the library's operation and its raw SDK counterpart. */
export interface Paired {
  readonly name: string
  /** The DynamoDB operation both sides send, where it is one. */
  readonly operation?: string
  readonly library: Summary
  readonly raw: Summary
}

export type ContenderWorkerEvent =
  LockWorkerEvent | { readonly _tag: "Measured"; readonly pairs: ReadonlyArray<Paired> }

/** The tag of the raw SDK client a process uses beside its library's: the proxy counts the two apart. */
export const rawTag = (tag: string): string => `${tag}-raw`
