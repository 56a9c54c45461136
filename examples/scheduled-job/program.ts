/**
 * The scheduled-job example's story, in two ticks of the schedule:
 *
 * 1. Duplicate delivery: three invocations start for the same tick. One takes the lock and publishes the report;
 *    the other two see the lock taken and return at once.
 * 2. A frozen invocation: the next tick's invocation takes the lock and is frozen in the middle of its job, longer
 *    than its lease. The tick after that runs normally, takes the lock with a higher fencing token, and publishes.
 *    When the frozen invocation thaws and tries to publish, the report refuses its stale token.
 *
 * Every invocation has its own clients, as separate Lambda containers would.
 */
import { Console, Deferred, Duration, Effect, Fiber } from "effect"
import type { InvalidInput, StoreError } from "@dynalock/core"
import type { Scope } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import * as FencedReport from "./FencedReport.js"
import { invoke } from "./invocation.js"
import type { Clients, InvocationOptions, Outcome } from "./invocation.js"

/** Timings of the story. */
export interface Settings {
  /** Lease of the job's lock. */
  readonly ttl: Duration.Duration
  /** The clock-skew bound all clients agree on. */
  readonly maxClockSkew: Duration.Duration
  /** How long the job takes. */
  readonly work: Duration.Duration
}

/** What happened. */
export interface Result {
  readonly duplicateDelivery: ReadonlyArray<Outcome>
  readonly frozen: Outcome
  readonly nextTick: Outcome
  readonly report: FencedReport.Report
}

const describe = (outcome: Outcome): string => {
  switch (outcome._tag) {
    case "Skipped":
      return `${outcome.invocation}: lock taken by another invocation, nothing to do`
    case "Published":
      return `${outcome.invocation}: ran the job and published the report with token ${outcome.token}`
    case "Rejected":
      return `${outcome.invocation}: the report REFUSED its write: token ${outcome.token} is older than ${outcome.highest}`
  }
}

/** A "Lambda container": its own clients of the lock partition and of the resource's partition. */
const container = (table: DemoTable.DemoTable, settings: Settings): Effect.Effect<Clients, never, Scope.Scope> =>
  Effect.gen(function* () {
    const lock = { maxClockSkew: settings.maxClockSkew }
    const { locker } = yield* DynamoStore.make({ ...DemoTable.storeOptions(table, "Lock"), lock })
    const { store } = yield* DynamoStore.make({ ...DemoTable.storeOptions(table, "Reports"), lock })
    return { locker, resources: store }
  })

/** Runs the story on `table`. */
export const run = (
  table: DemoTable.DemoTable,
  settings: Settings
): Effect.Effect<Result, InvalidInput | StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const options = (name: string): InvocationOptions => ({ name, ttl: settings.ttl, work: settings.work })
    yield* Console.log(`table: ${table.description}`)

    yield* Console.log("\ntick 1: the schedule delivers the same event three times")
    const duplicateDelivery = yield* Effect.forEach(
      ["tick-1/a", "tick-1/b", "tick-1/c"],
      (name) => Effect.flatMap(container(table, settings), (clients) => invoke(clients, options(name))),
      { concurrency: "unbounded" }
    )
    for (const outcome of duplicateDelivery) yield* Console.log(`  ${describe(outcome)}`)

    yield* Console.log(
      `\ntick 2: the invocation is frozen mid-job for longer than its lease (${Duration.format(settings.ttl)})`
    )
    const frozenAfterJob = yield* Deferred.make<void>()
    const thaw = yield* Deferred.make<void>()
    const frozenClients = yield* container(table, settings)
    const frozen = yield* invoke(frozenClients, {
      ...options("tick-2"),
      // A frozen container renews nothing, and its code cannot watch `lock.lost` either.
      renew: false,
      beforeWrite: Effect.zipRight(Deferred.succeed(frozenAfterJob, undefined), Deferred.await(thaw))
    }).pipe(Effect.fork)
    yield* Deferred.await(frozenAfterJob)
    yield* Console.log("  tick-2: took the lock, did the job, and is frozen before it could publish")
    // The lease runs out, and the skew bound after it; then the lock is free for the next tick.
    yield* Effect.sleep(Duration.sum(settings.ttl, settings.maxClockSkew))

    yield* Console.log("\ntick 3: runs while tick-2 is still frozen")
    const nextTick = yield* Effect.flatMap(container(table, settings), (clients) => invoke(clients, options("tick-3")))
    yield* Console.log(`  ${describe(nextTick)}`)

    yield* Console.log("\ntick-2 thaws and carries on where it stopped")
    yield* Deferred.succeed(thaw, undefined)
    const frozenOutcome = yield* Fiber.join(frozen)
    yield* Console.log(`  ${describe(frozenOutcome)}`)

    const report = yield* FencedReport.make(frozenClients.resources).read.pipe(Effect.orDie)
    yield* Console.log(`\nthe report: "${report.content}", highest token ${report.highestToken}`)
    return { duplicateDelivery, frozen: frozenOutcome, nextTick, report }
  })
