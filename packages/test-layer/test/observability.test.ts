/**
 * What dynalock reports about itself: the `dynalock_*` metrics after a scripted contention (exact counts, times
 * from the TestClock), and the spans a tracer receives. Metrics are process-wide, so each test reads differences.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Metric, Option, TestClock, Tracer } from "effect"
import type { MetricState } from "effect"
import { Dynalock, Observability } from "@dynalock/core"
import { MemoryTable } from "@dynalock/test-layer"

type Tags = Record<string, string>

const tagged = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, tags: Tags) =>
  Object.entries(tags).reduce((current, [key, value]) => Metric.tagged(current, key, value), metric)

const counted = (counter: Metric.Metric.Counter<number>, tags: Tags) =>
  Effect.map(Metric.value(tagged(counter, tags)), (state: MetricState.MetricState.Counter<number>) => state.count)

const timed = (timer: typeof Observability.lockWait, tags: Tags) =>
  Effect.map(Metric.value(tagged(timer, tags)), (state) => ({ count: state.count, sum: state.sum }))

/** Every counter and timer the scenario touches, read at once. */
const snapshot = Effect.all({
  acquired: counted(Observability.lockAcquisitions, { kind: "lock", outcome: "acquired" }),
  held: counted(Observability.lockAcquisitions, { kind: "lock", outcome: "held" }),
  timeout: counted(Observability.lockAcquisitions, { kind: "lock", outcome: "timeout" }),
  interrupted: counted(Observability.lockAcquisitions, { kind: "lock", outcome: "interrupted" }),
  permits: counted(Observability.lockAcquisitions, { kind: "semaphore", outcome: "acquired" }),
  withdrawn: counted(Observability.lockWithdrawals, { kind: "lock", outcome: "withdrawn" }),
  invalid: counted(Observability.lockAcquisitions, { kind: "lock", outcome: "invalid_input" }),
  invalidPermits: counted(Observability.lockAcquisitions, { kind: "semaphore", outcome: "invalid_input" }),
  renewed: counted(Observability.lockRenewals, { kind: "lock", outcome: "renewed" }),
  expired: counted(Observability.lockLosses, { kind: "lock", reason: "Expired" }),
  wait: timed(Observability.lockWait, { kind: "lock" }),
  hold: timed(Observability.lockHold, { kind: "lock" })
})

type Snapshot = Effect.Effect.Success<typeof snapshot>

const since = (before: Snapshot, after: Snapshot) => ({
  acquired: after.acquired - before.acquired,
  held: after.held - before.held,
  timeout: after.timeout - before.timeout,
  interrupted: after.interrupted - before.interrupted,
  permits: after.permits - before.permits,
  withdrawn: after.withdrawn - before.withdrawn,
  invalid: after.invalid - before.invalid,
  invalidPermits: after.invalidPermits - before.invalidPermits,
  renewed: after.renewed - before.renewed,
  expired: after.expired - before.expired,
  waits: after.wait.count - before.wait.count,
  waited: after.wait.sum - before.wait.sum,
  holds: after.hold.count - before.hold.count,
  heldFor: after.hold.sum - before.hold.sum
})

/** A tracer that keeps every span it makes (Effect's own span objects), and the spans. */
const recordingTracer = Effect.map(Effect.tracer, (builtIn) => {
  const spans: Array<Tracer.Span> = []
  const recording = Tracer.make({
    span: (...args) => {
      const span = builtIn.span(...args)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  return { recording, spans }
})

const run = (millis: number, step = 10) =>
  Effect.forEach(Array.from({ length: Math.ceil(millis / step) }), () => TestClock.adjust(step), { discard: true })

describe("observability (memory, TestClock)", () => {
  it.scoped("metrics count every outcome of a scripted contention, and time the waits and holds", () =>
    Effect.gen(function* () {
      const table = yield* MemoryTable.make
      const client = () => Dynalock.makeOn(table.storage("locks"))
      const holder = yield* client()
      const other = yield* client()
      const before = yield* snapshot

      const held = yield* holder.locker.acquire("m/job", { ttl: "900 millis" })
      assert.isTrue(Option.isNone(yield* Effect.scoped(other.locker.tryAcquire("m/job"))))
      const timedOut = yield* Effect.fork(Effect.scoped(other.locker.acquire("m/job", { timeout: "300 millis" })))
      yield* run(400)
      assert.isTrue(Exit.isFailure(yield* Fiber.await(timedOut)))
      const interrupted = yield* Effect.fork(Effect.scoped(other.locker.acquire("m/job")))
      yield* run(100)
      yield* Fiber.interrupt(interrupted)
      // A waiter that gets the lock when the holder lets go, 1000 ms after the holder took it.
      const waiter = yield* Effect.fork(Effect.scoped(Effect.as(other.locker.acquire("m/job"), "got it")))
      yield* run(500)
      yield* held.release
      yield* run(300)
      assert.strictEqual(yield* Fiber.join(waiter), "got it")
      // Renewed at every third of its ttl, then left to lapse without renewal.
      const renewing = yield* holder.locker.acquire("m/renewed", { ttl: "900 millis" })
      yield* run(1000)
      yield* renewing.release
      const lapsing = yield* holder.locker.acquire("m/lapsing", { ttl: "500 millis", renew: false })
      yield* run(600)
      assert.strictEqual((yield* Effect.flip(lapsing.lost)).reason, "Expired")
      yield* Effect.scoped(holder.locker.semaphore("m/pool", 2).acquire(1))
      // Refused before any request: an empty key, a negative ttl, more permits than the limit.
      assert.strictEqual((yield* Effect.flip(Effect.scoped(holder.locker.acquire(""))))._tag, "InvalidInput")
      assert.strictEqual(
        (yield* Effect.flip(Effect.scoped(holder.locker.acquire("m/job", { ttl: -1 }))))._tag,
        "InvalidInput"
      )
      assert.strictEqual(
        (yield* Effect.flip(Effect.scoped(holder.locker.semaphore("m/pool", 2).acquire(3))))._tag,
        "InvalidInput"
      )

      const delta = since(before, yield* snapshot)
      assert.deepStrictEqual(
        { ...delta, waited: undefined, heldFor: undefined },
        {
          acquired: 4, // the holder's, the waiter's, the renewed one, the lapsing one
          held: 1,
          timeout: 1,
          interrupted: 1,
          permits: 1,
          withdrawn: 2, // the timed-out and the interrupted waiter took their places out of line
          invalid: 2,
          invalidPermits: 1,
          renewed: 6, // every 300 ms: three for the first holder (1000 ms), three for the renewed one
          expired: 1,
          waits: 4,
          holds: 4,
          waited: undefined,
          heldFor: undefined
        }
      )
      // Only the waiter waited: it asked 900 ms after the first holder took the lock and got it at the release.
      assert.isAtLeast(delta.waited, 500)
      assert.isAtMost(delta.waited, 800)
      // 900 (first holder) + waiter's hold until its scope closed + 1000 (renewed) + lost after 500 - margin.
      assert.isAtLeast(delta.heldFor, 900 + 1000 + 400)
    })
  )

  it.scoped("spans: a tracer gets one per operation, named after it, with key, partition and table", () =>
    Effect.gen(function* () {
      const { recording, spans } = yield* recordingTracer
      const table = yield* MemoryTable.make
      const { locker, store } = yield* Dynalock.makeOn({ store: table.storage("data"), locks: table.storage("locks") })
      yield* Effect.gen(function* () {
        yield* store.put("s/one", "1")
        yield* store.get("s/one")
        yield* locker.withLock("s/job")(store.get("s/one"))
      }).pipe(Effect.withTracer(recording))
      const named = (name: string) => spans.filter((span) => span.name === name)
      assert.includeMembers(
        spans.map((span) => span.name),
        ["KeyValueStore.put", "KeyValueStore.get", "Locker.withLock"]
      )
      const put = named("KeyValueStore.put")[0]!
      assert.deepStrictEqual(Object.fromEntries(put.attributes), { key: "s/one", partition: "data", table: "memory" })
      assert.strictEqual(put.status._tag, "Ended")
      const withLock = named("Locker.withLock")[0]!
      assert.strictEqual(withLock.attributes.get("key"), "s/job")
      assert.strictEqual(withLock.attributes.get("partition"), "locks")
      // The get inside the lock nests under it.
      const inner = named("KeyValueStore.get")[1]!
      assert.strictEqual(Option.getOrUndefined(inner.parent)?.spanId, withLock.spanId)
      // A list has a prefix and no key: no attribute is left undefined.
      yield* Effect.withTracer(store.list("s/"), recording)
      assert.deepStrictEqual(Object.fromEntries(named("KeyValueStore.list")[0]!.attributes), {
        prefix: "s/",
        partition: "data",
        table: "memory"
      })
    })
  )

  it.scoped("spans keep Effect's rules: parent, annotations, links, timing off, tracing off, interruption", () =>
    Effect.gen(function* () {
      const { recording, spans } = yield* recordingTracer
      const table = yield* MemoryTable.make
      const { locker, store } = yield* Dynalock.makeOn({ store: table.storage("data"), locks: table.storage("locks") })
      const named = (name: string) => spans.filter((span) => span.name === name)
      const parentId = (span: Tracer.Span) => Option.getOrUndefined(span.parent)?.spanId
      const link = yield* Effect.makeSpan("app.linked")
      yield* Effect.gen(function* () {
        yield* store.put("r/one", "1")
        // The fiber's context is put back after an operation: a span after it is the app's child, not the put's.
        yield* Effect.withSpan(Effect.void, "app.after")
      }).pipe(
        Effect.withSpan("app.request"),
        Effect.annotateSpans("tenant", "t-1"),
        Effect.linkSpans(link),
        Effect.withTracer(recording)
      )
      const request = named("app.request")[0]!
      const put = named("KeyValueStore.put")[0]!
      assert.strictEqual(parentId(put), request.spanId)
      assert.strictEqual(put.traceId, request.traceId)
      assert.strictEqual(parentId(named("app.after")[0]!), request.spanId)
      assert.strictEqual(put.attributes.get("tenant"), "t-1")
      assert.deepStrictEqual(
        put.links.map((l) => l.span.spanId),
        [link.spanId]
      )
      assert.isTrue(put.status._tag === "Ended" && put.status.endTime >= put.status.startTime)

      yield* Effect.withTracer(Effect.withTracerTiming(store.get("r/one"), false), recording)
      const untimed = named("KeyValueStore.get")[0]!
      assert.isTrue(untimed.status._tag === "Ended" && untimed.status.startTime === 0n && untimed.status.endTime === 0n)

      const before = spans.length
      yield* Effect.withTracer(Effect.withTracerEnabled(store.get("r/one"), false), recording)
      assert.strictEqual(spans.length, before, "no span when tracing is switched off")

      // An interrupted wait's span ends, with the interruption as its exit; a failure ends it as a failure.
      const holder = yield* Effect.forkScoped(Effect.scoped(Effect.zipRight(locker.acquire("r/job"), Effect.never)))
      yield* Effect.yieldNow()
      const waiting = yield* Effect.fork(Effect.withTracer(Effect.scoped(locker.acquire("r/job")), recording))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.interrupt(waiting)
      yield* Fiber.interrupt(holder)
      const acquire = named("Locker.acquire")[0]!
      assert.isTrue(acquire.status._tag === "Ended" && Exit.isInterrupted(acquire.status.exit))
      yield* Effect.withTracer(Effect.either(store.get("r/none")), recording)
      const missing = named("KeyValueStore.get").at(-1)!
      assert.isTrue(missing.status._tag === "Ended" && Exit.isFailure(missing.status.exit))
    })
  )

  it.scoped(
    "withoutMetrics: a client made in it counts nothing, its renewals included; the same client outside counts",
    () =>
      Effect.gen(function* () {
        const table = yield* MemoryTable.make
        const quiet = yield* Observability.withoutMetrics(Dynalock.makeOn(table.storage("locks")))
        const before = yield* snapshot
        yield* Observability.withoutMetrics(
          Effect.scoped(Effect.flatMap(quiet.locker.acquire("q/job", { ttl: "300 millis" }), () => run(350)))
        )
        assert.deepStrictEqual(since(before, yield* snapshot), since(before, before))
        yield* Effect.scoped(quiet.locker.acquire("q/job"))
        const after = since(before, yield* snapshot)
        assert.strictEqual(after.acquired, 1)
        assert.strictEqual(after.holds, 1)
      })
  )

  it.scoped("renewals are spans of their own, not children of the span that made the client", () =>
    Effect.gen(function* () {
      const { recording, spans } = yield* recordingTracer
      const table = yield* MemoryTable.make
      const { locker } = yield* Dynalock.makeOn(table.storage("locks")).pipe(
        Effect.withSpan("app.setup"),
        Effect.withTracer(recording)
      )
      const lock = yield* Effect.withTracer(locker.acquire("r/job", { ttl: "300 millis" }), recording)
      yield* run(350)
      yield* lock.release
      const setup = spans.find((span) => span.name === "app.setup")!
      const renewals = spans.filter((span) => span.name === "Lock.renew")
      assert.isAtLeast(renewals.length, 2)
      for (const renewal of renewals) {
        assert.notStrictEqual(Option.getOrUndefined(renewal.parent)?.spanId, setup.spanId)
        assert.strictEqual(renewal.attributes.get("key"), "r/job")
      }
    })
  )
})
