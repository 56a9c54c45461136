/**
 * One invocation of the scheduled function ("a Lambda run by an EventBridge schedule"). Schedules deliver at least
 * once, so two or three invocations may start for the same tick; the lock makes sure that only one does the job.
 * The others do not wait (`tryAcquire`, that is `wait: false`): the job is somebody else's already.
 */
import { Effect, Option } from "effect"
import type { Duration } from "effect"
import type { InvalidInput, KeyValueStore, Locker, StoreError } from "@dynalock/core"
import * as FencedReport from "./FencedReport.js"

/** How an invocation ended. */
export type Outcome =
  | { readonly _tag: "Skipped"; readonly invocation: string }
  | { readonly _tag: "Published"; readonly invocation: string; readonly token: bigint }
  | { readonly _tag: "Rejected"; readonly invocation: string; readonly token: bigint; readonly highest: bigint }

/** What an invocation needs: its own client of the lock partition and of the resource's partition. */
export interface Clients {
  readonly locker: Locker["Type"]
  readonly resources: KeyValueStore["Type"]
}

/** Options of one invocation. */
export interface InvocationOptions {
  readonly name: string
  readonly ttl: Duration.Duration
  /** How long the job itself takes. */
  readonly work: Duration.Duration
  /**
   * Runs after the job and before the write: the example freezes an invocation here, as a Lambda container is
   * frozen between two requests, to show what the fencing token is for.
   */
  readonly beforeWrite?: Effect.Effect<void>
  /** A frozen container renews nothing: such an invocation runs without renewal. */
  readonly renew?: boolean
}

/** The lock every invocation of this schedule competes for. */
export const jobKey = "job/nightly-report"

/** The handler of one invocation. */
export const invoke = (
  clients: Clients,
  options: InvocationOptions
): Effect.Effect<Outcome, InvalidInput | StoreError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const lock = yield* clients.locker.tryAcquire(jobKey, { ttl: options.ttl, renew: options.renew ?? true })
      if (Option.isNone(lock)) return { _tag: "Skipped", invocation: options.name } as const
      const token = lock.value.fencingToken
      yield* Effect.sleep(options.work)
      yield* options.beforeWrite ?? Effect.void
      // The token goes with the write: the resource, not the lock, has the last word.
      return yield* FencedReport.make(clients.resources)
        .write(token, `report by ${options.name}`, options.name)
        .pipe(
          Effect.as<Outcome>({ _tag: "Published", invocation: options.name, token }),
          Effect.catchTag("StaleToken", (stale) =>
            Effect.succeed<Outcome>({ _tag: "Rejected", invocation: options.name, token, highest: stale.highest })
          )
        )
    })
  )
