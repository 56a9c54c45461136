/**
 * The admin example's story: an operator's session with a stuck lock holder.
 *
 * worker-7 holds `jobs/invoice-run` and its job hangs (a deadlock, a call that never returns). Its process is
 * alive, so the lease is renewed in the background and never runs out: the lock will not free by itself, and
 * worker-8 waits for it forever. The operator looks (`locker.list`, `locker.inspect`: who holds it, its fencing
 * token, when the lease ends, who waits), sees the lease end move with each renewal, and breaks the lock
 * (`locker.forceRelease`). worker-8 gets it at once, with a higher fencing token. worker-7 learns it at its next
 * renewal: `lost` fails, and `withLock` interrupts the hung job with `LockLost`.
 *
 * Until that renewal worker-7 still believes it holds the lock: that is why the next holder's fencing token is
 * higher, so that a resource which checks tokens refuses whatever worker-7 writes late.
 *
 * Every worker and the operator have their own clients, as separate processes would.
 */
import { Clock, Deferred, Duration, Effect, Either, Fiber, Option } from "effect"
import type { Scope } from "effect"
import type { AcquireCancelled, InvalidInput, LockLost, LockState, StoreError } from "@dynalock/core"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as DemoTable from "../shared/DemoTable.js"
import * as Timeline from "../shared/timeline.js"

/** Timings of the story. */
export interface Settings {
  /** The lease of the invoice run's lock, renewed every third of it. */
  readonly ttl: Duration.Duration
  /** The clock-skew bound all clients agree on. */
  readonly maxClockSkew: Duration.Duration
}

/** How a worker's `withLock` ended. */
export type JobOutcome = Either.Either<void, AcquireCancelled | LockLost | InvalidInput | StoreError>

/** What happened. */
export interface Result {
  /** The operator's `list("jobs/")`. */
  readonly listed: ReadonlyArray<LockState>
  /** The operator's `inspect` of the stuck lock. */
  readonly stuck: LockState
  /** The stuck holder's own fencing token. */
  readonly stuckToken: bigint
  /** A later `inspect` showed a later lease end: the stuck holder was still renewing. */
  readonly leaseEndMoved: boolean
  /** What `forceRelease` answered: a live lease was broken. */
  readonly broken: boolean
  /** worker-8's fencing token. */
  readonly nextToken: bigint
  /** How worker-7's hung job ended. */
  readonly stuckOutcome: JobOutcome
  /** From the break to worker-7's `LockLost`. */
  readonly lossNoticedAfter: Duration.Duration
  /** `inspect` once worker-8 held the lock. */
  readonly afterBreak: Option.Option<LockState>
  /** What `forceRelease` of a lock nobody holds answered. */
  readonly brokeNothing: boolean
  /** The operator's `list("jobs/")` at the end. */
  readonly listedAtEnd: ReadonlyArray<LockState>
}

export const stuckKey = "jobs/invoice-run"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** One line per lock, as an operator's tool would print it. */
const describe = (state: LockState, now: number): string => {
  if (!state.held) return `${state.key}: free (last fencing token ${state.fencingToken}), ${state.waiting} waiting`
  const ends = Option.match(state.expires, {
    onNone: () => "",
    onSome: (end) =>
      `, lease ends ${end.toJSON()} (in ${Duration.format(Duration.millis(Math.max(0, end.epochMillis - now)))})`
  })
  return `${state.key}: held by "${text(state.value)}", fencing token ${state.fencingToken}${ends}, ${state.waiting} waiting`
}

const leaseEnd = (state: Option.Option<LockState>): number =>
  Option.getOrElse(
    Option.flatMap(
      Option.flatMap(state, (s) => s.expires),
      (end) => Option.some(end.epochMillis)
    ),
    () => 0
  )

/** Looks again every `spacing` until `done` says so. */
const pollUntil = <A, E>(
  look: Effect.Effect<A, E>,
  done: (a: A) => boolean,
  spacing: Duration.DurationInput
): Effect.Effect<A, E> =>
  Effect.flatMap(look, (a) =>
    done(a) ? Effect.succeed(a) : Effect.zipRight(Effect.sleep(spacing), pollUntil(look, done, spacing))
  )

/** Runs the story on `table`. */
export const run = (
  table: DemoTable.DemoTable,
  settings: Settings
): Effect.Effect<Result, AcquireCancelled | InvalidInput | StoreError, Scope.Scope> =>
  Effect.gen(function* () {
    const client = Effect.map(
      DynamoStore.make({
        ...DemoTable.storeOptions(table, "AdminExample"),
        lock: { maxClockSkew: settings.maxClockSkew }
      }),
      ({ locker }) => locker
    )
    const [worker7, worker8, worker9, operator] = yield* Effect.all([client, client, client, client])
    const say = yield* Timeline.start
    yield* say(`table: ${table.description}`)
    const options = (value: string) => ({ ttl: settings.ttl, value })

    // worker-9: healthy jobs, for the operator's list to show beside the stuck one.
    const storyOver = yield* Deferred.make<void>()
    const healthyHeld = yield* Deferred.make<void>()
    const healthy = yield* Effect.gen(function* () {
      yield* worker9.acquire("jobs/cleanup", options("worker-9 (pid 5150)"))
      yield* worker9.acquire("cron/rotate-keys", options("worker-9 (pid 5150)"))
      yield* Deferred.succeed(healthyHeld, undefined)
      yield* Deferred.await(storyOver)
    }).pipe(Effect.scoped, Effect.forkScoped)
    yield* Deferred.await(healthyHeld)
    yield* say("worker-9 holds jobs/cleanup and cron/rotate-keys, and is doing fine")

    // worker-7: its job hangs while the lock is renewed in the background.
    const stuckToken = yield* Deferred.make<bigint>()
    const stuck = yield* Effect.gen(function* () {
      const hangs = worker7.withLock(
        stuckKey,
        options("worker-7 (pid 4242), invoice run of 2026-11-30")
      )((lock) => Effect.zipRight(Deferred.succeed(stuckToken, lock.fencingToken), Effect.never))
      const outcome = yield* Effect.either(hangs)
      return { outcome, at: yield* Clock.currentTimeMillis }
    }).pipe(Effect.forkScoped)
    const token7 = yield* Deferred.await(stuckToken)
    yield* say(
      `worker-7 holds ${stuckKey} (fencing token ${token7}, lease ${Duration.format(settings.ttl)}), and its job hangs; ` +
        `the lease is renewed in the background, so the lock never frees by itself`
    )

    // worker-8: waits for the invoice run's lock, runs it, and stays until the operator has looked.
    const entered = yield* Deferred.make<bigint>()
    const operatorDone = yield* Deferred.make<void>()
    const next = yield* worker8
      .withLock(
        stuckKey,
        options("worker-8 (pid 4343), invoice run of 2026-11-30")
      )((lock) => Effect.zipRight(Deferred.succeed(entered, lock.fencingToken), Deferred.await(operatorDone)))
      .pipe(Effect.either, Effect.forkScoped)
    yield* say(`worker-8 waits for ${stuckKey}`)
    // The operator's view is taken once worker-8 is in line.
    yield* pollUntil(
      operator.inspect(stuckKey),
      (state) => Option.exists(state, (s) => s.waiting >= 1),
      "50 millis"
    ).pipe(Effect.timeoutOption("10 seconds"))

    yield* say(`operator: list("jobs/")  (held locks whose keys begin with "jobs/")`)
    const listed = yield* operator.list("jobs/")
    const now = yield* Clock.currentTimeMillis
    for (const state of listed) yield* say(`    ${describe(state, now)}`)

    yield* say(`operator: inspect("${stuckKey}")`)
    const first = yield* operator.inspect(stuckKey)
    if (Option.isNone(first)) return yield* Effect.dieMessage(`${stuckKey} has no record`)
    const stuckState = first.value
    yield* say(`    ${describe(stuckState, yield* Clock.currentTimeMillis)}`)

    // Is the holder dead (its lease runs out by itself) or alive and stuck (it keeps renewing)?
    const later = yield* pollUntil(
      operator.inspect(stuckKey),
      (state) => leaseEnd(state) > leaseEnd(first),
      "100 millis"
    ).pipe(Effect.timeoutOption(Duration.times(settings.ttl, 2)), Effect.map(Option.flatten))
    const leaseEndMoved = leaseEnd(later) > leaseEnd(first)
    yield* say(
      leaseEndMoved
        ? `operator: inspect again: the lease end moved ${Duration.format(Duration.millis(leaseEnd(later) - leaseEnd(first)))} ` +
            `later: worker-7 is alive and renewing, its lock will not expire; break it`
        : `operator: inspect again: the lease end did not move`
    )

    yield* say(`operator: forceRelease("${stuckKey}")`)
    const brokeAt = yield* Clock.currentTimeMillis
    const broken = yield* operator.forceRelease(stuckKey)
    yield* say(`    ${broken ? "true: a live lease was broken" : "false: there was no live lease"}`)

    // Both follow within a renewal or two; a story that hangs here would be a broken lock.
    const bound = Duration.times(settings.ttl, 3)
    const nextToken = yield* Deferred.await(entered).pipe(
      Effect.timeoutFail({ duration: bound, onTimeout: () => new Error("worker-8 never got the broken lock") }),
      Effect.orDie
    )
    yield* say(
      `worker-8 holds ${stuckKey} with fencing token ${nextToken} (higher than worker-7's ${token7}) and runs the job`
    )

    const lost = yield* Fiber.join(stuck).pipe(
      Effect.timeoutFail({ duration: bound, onTimeout: () => new Error("worker-7 never learnt its lock was broken") }),
      Effect.orDie
    )
    const lossNoticedAfter = Duration.millis(lost.at - brokeAt)
    yield* say(
      Either.match(lost.outcome, {
        onLeft: (error) =>
          `worker-7: ${error._tag}${error._tag === "LockLost" ? ` (${error.reason})` : ""} at its next renewal, ` +
          `${Duration.format(lossNoticedAfter)} after the break: withLock interrupted its hung job`,
        onRight: () => "worker-7: its job ended"
      })
    )
    yield* say(
      `    until then worker-7 could still act as the holder: a resource that checks fencing tokens refuses ${token7} ` +
        `once it has seen ${nextToken}`
    )

    yield* say(`operator: inspect("${stuckKey}")`)
    const afterBreak = yield* operator.inspect(stuckKey)
    const nowAfter = yield* Clock.currentTimeMillis
    yield* say(
      `    ${Option.match(afterBreak, { onNone: () => "no record", onSome: (state) => describe(state, nowAfter) })}`
    )
    yield* say(`operator: forceRelease("jobs/nothing-here")`)
    const brokeNothing = yield* operator.forceRelease("jobs/nothing-here")
    yield* say(`    ${brokeNothing ? "true" : "false: no live lease, nothing broken"}`)

    yield* Deferred.succeed(operatorDone, undefined)
    yield* Fiber.join(next)
    yield* Deferred.succeed(storyOver, undefined)
    yield* Fiber.join(healthy)
    const listedAtEnd = yield* operator.list("jobs/")
    yield* say(`worker-8 and worker-9 finished; list("jobs/") shows ${listedAtEnd.length} held locks`)
    return {
      listed,
      stuck: stuckState,
      stuckToken: token7,
      leaseEndMoved,
      broken,
      nextToken,
      stuckOutcome: lost.outcome,
      lossNoticedAfter,
      afterBreak,
      brokeNothing,
      listedAtEnd
    }
  })
