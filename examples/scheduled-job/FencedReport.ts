/**
 * The protected resource of the scheduled-job example: a report that only accepts writes carrying a fencing token
 * at least as high as the highest it has seen. A lock alone cannot stop a holder that was paused (a frozen Lambda
 * container, a long GC pause) and wakes up after its lease ended and someone else took over; the resource itself
 * must refuse the late write, and the fencing token is what lets it tell.
 *
 * Here the resource is a key/value record updated with `atomicPut`, so the check and the write are one atomic
 * step: a compare-and-set on the version read together with the highest token.
 */
import { Effect, Option, Schema } from "effect"
import type { InvalidInput, KeyValueStore, StoreError } from "@dynalock/core"

/** What the report record holds. */
export const Report = Schema.Struct({
  content: Schema.String,
  writtenBy: Schema.String,
  /** The highest fencing token that ever wrote here (a decimal string in the table). */
  highestToken: Schema.BigInt
})

/** @see Report */
export type Report = typeof Report.Type

/** A write with a token lower than one the report has already seen: its writer's lock has moved on. */
export class StaleToken extends Schema.TaggedError<StaleToken>()("StaleToken", {
  presented: Schema.BigInt,
  highest: Schema.BigInt
}) {
  override get message(): string {
    return `stale fencing token ${this.presented}: the report has seen ${this.highest}`
  }
}

const key = "report/nightly"

/** The report resource over a store (any partition but the locks'). */
export const make = (store: KeyValueStore["Type"]) => {
  const reports = store.forSchema(Report)

  /** Writes the report under `token`, unless a higher token has written it already. */
  const write = (
    token: bigint,
    content: string,
    writtenBy: string
  ): Effect.Effect<void, StaleToken | InvalidInput | StoreError> =>
    Effect.gen(function* () {
      const current = yield* Effect.option(reports.get(key))
      if (Option.isSome(current) && token < current.value.value.highestToken) {
        return yield* new StaleToken({ presented: token, highest: current.value.value.highestToken })
      }
      const next: Report = { content, writtenBy, highestToken: token }
      // The write only lands on the exact version that was checked; if another writer got in between, check again.
      yield* Option.match(current, {
        onNone: () => reports.atomicPut(key, next),
        onSome: (previous) => reports.atomicPut(key, next, { previous })
      })
    }).pipe(
      Effect.retry({ while: (error) => error._tag === "KeyModified" || error._tag === "KeyExists" }),
      Effect.catchTags({ KeyModified: Effect.die, KeyExists: Effect.die })
    )

  /** The report as it stands. */
  const read = Effect.map(reports.get(key), (pair) => pair.value)

  return { write, read }
}
