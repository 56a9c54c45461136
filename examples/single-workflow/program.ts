/**
 * The single-workflow example's story:
 *
 * 1. Two runs of the same workflow start at once to provision "staging". The first takes the lock with `withLock`
 *    and provisions for longer than several leases: the lock is renewed in the background all along (the lease
 *    end `locker.inspect` shows keeps moving). The second waits its turn, then finds the environment ready and
 *    does nothing.
 * 2. A third run provisions "preview". Midway an operator breaks its lock (`locker.forceRelease`). The run's next
 *    renewal finds the lease gone: the lock is lost, `withLock` interrupts the job where it is, and the run fails
 *    with `LockLost`, leaving the recorded progress for a later run to resume from.
 *
 * Every run has its own clients, as separate workflow executions would.
 */
import { Clock, Console, Deferred, Duration, Effect, Either, Option } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, LockLost, StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import { Environment } from "./Environment.js"
import { provision } from "./provision.js"
import type { Provisioned } from "./provision.js"

/** Timings of the story. */
export interface Settings {
  readonly ttl: Duration.Duration
  readonly maxClockSkew: Duration.Duration
  /** One provisioning step; five of them make a job that outlives several leases. */
  readonly stepTime: Duration.Duration
}

/** How a run ended: what its job returned, or why `withLock` stopped it. */
export type RunOutcome = Either.Either<Provisioned, AcquireCancelled | LockLost | InvalidInput | StoreError>

/** What happened. */
export interface Result {
  readonly first: RunOutcome
  readonly second: RunOutcome
  /** How many different lease ends the first run's lock record showed while it provisioned: renewals. */
  readonly leaseEndsSeen: number
  readonly third: RunOutcome
  /** From the breaking of run-3's lock to run-3's `LockLost`. */
  readonly lossNoticedAfter: Duration.Duration
  /** What "preview" looked like after the third run stopped. */
  readonly previewAfter: Option.Option<Environment>
}

/** The clients of one workflow run. */
const clientsOf = (table: DemoTable.DemoTable, settings: Settings) =>
  Effect.gen(function* () {
    const lock = { maxClockSkew: settings.maxClockSkew }
    const { locker, store } = yield* DynamoStore.make({ ...DemoTable.storeOptions(table, "Environments"), lock })
    return { locker, environments: store }
  })

/** Runs the story on `table`. */
export const run = (
  table: DemoTable.DemoTable,
  settings: Settings
): Effect.Effect<Result, InvalidInput | StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    yield* Console.log(`table: ${table.description}`)
    const lockOptions = (run: string) => ({ ttl: settings.ttl, value: run })

    yield* Console.log(
      `\nrun-1 and run-2 both start provisioning "staging" (lease ${Duration.format(settings.ttl)}, ` +
        `5 steps of ${Duration.format(settings.stepTime)} each)`
    )
    const leaseEnds = new Set<number>()
    const workflowRun = (run: string, clients: Effect.Effect.Success<ReturnType<typeof clientsOf>>) =>
      provision({
        run,
        environment: "staging",
        environments: clients.environments,
        stepTime: settings.stepTime,
        // Anyone can look at a lock: its lease end moves with every renewal.
        afterStep: () =>
          clients.locker.inspect("env/staging").pipe(
            Effect.flatMap((state) =>
              Option.match(
                Option.flatMap(state, (lock) => Option.map(lock.expires, (end) => ({ end, lock }))),
                {
                  onNone: () => Effect.void,
                  onSome: ({ end, lock }) =>
                    Effect.flatMap(Clock.currentTimeMillis, (now) => {
                      leaseEnds.add(end.epochMillis)
                      const left = Duration.format(Duration.millis(end.epochMillis - now))
                      return Console.log(
                        `           lock held by ${new TextDecoder().decode(lock.value)} (token ${lock.fencingToken}), its lease ends in ${left}`
                      )
                    })
                }
              )
            ),
            Effect.ignore
          )
      }).pipe(clients.locker.withLock("env/staging", lockOptions(run)), Effect.either)
    const [first, second] = yield* Effect.all(
      [
        Effect.flatMap(clientsOf(table, settings), (clients) => workflowRun("run-1", clients)),
        // A moment later, so that the story is told in order; the lock would sort it out either way.
        Effect.flatMap(Effect.zipRight(Effect.sleep("100 millis"), clientsOf(table, settings)), (clients) =>
          Effect.zipRight(Console.log("  run-2: waiting for the lock on staging"), workflowRun("run-2", clients))
        )
      ],
      { concurrency: "unbounded" }
    )

    yield* Console.log(`\nrun-3 provisions "preview"; midway, an operator breaks its lock (forceRelease)`)
    const third = yield* Effect.gen(function* () {
      const clients = yield* clientsOf(table, settings)
      const operator = yield* clientsOf(table, settings)
      const midway = yield* Deferred.make<void>()
      const broken = yield* Deferred.make<number>()
      yield* Deferred.await(midway).pipe(
        Effect.zipRight(operator.locker.forceRelease("env/preview")),
        Effect.flatMap((broken) =>
          Console.log(`  operator: forceRelease("env/preview") broke a live lease: ${broken}`)
        ),
        Effect.zipRight(Effect.flatMap(Clock.currentTimeMillis, (at) => Deferred.succeed(broken, at))),
        Effect.forkScoped
      )
      const outcome = yield* provision({
        run: "run-3",
        environment: "preview",
        environments: clients.environments,
        stepTime: settings.stepTime,
        afterStep: (done) => (done === 2 ? Deferred.succeed(midway, undefined) : Effect.void)
      }).pipe(clients.locker.withLock("env/preview", lockOptions("run-3")), Effect.either)
      const ended = yield* Clock.currentTimeMillis
      const noticedAfter = Duration.millis(ended - (yield* Deferred.await(broken)))
      if (Either.isLeft(outcome)) {
        yield* Console.log(
          `  run-3: stopped with ${outcome.left._tag} (${outcome.left.message}), ${Duration.format(noticedAfter)} after the ` +
            `break: its next renewal found the lease gone`
        )
      }
      return { outcome, noticedAfter }
    })
    const previewAfter = yield* (yield* clientsOf(table, settings)).environments
      .forSchema(Environment)
      .get("preview")
      .pipe(Effect.option)
    yield* Console.log(
      Option.match(previewAfter, {
        onNone: () => `  "preview" has no recorded progress`,
        onSome: (state) =>
          `  "preview" stays at ${state.value.stepsDone} of 5 steps, ${state.value.status}: the next run resumes there`
      })
    )
    return {
      first,
      second,
      leaseEndsSeen: leaseEnds.size,
      third: third.outcome,
      lossNoticedAfter: third.noticedAfter,
      previewAfter: Option.map(previewAfter, (pair) => pair.value)
    }
  })
