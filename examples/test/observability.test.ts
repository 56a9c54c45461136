// The observability example: the story once in this process on an embedded dynalite, to check what was exported
// (the metrics by tags, the spans and their nesting), and once as users run it, as a process of its own. Metrics
// are process-wide: this file runs the story in-process once, so the counts are the story's own.
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base"
import { SpanStatusCode } from "@opentelemetry/api"
import * as DemoTable from "../shared/DemoTable.js"
import * as MetricsReport from "../observability/metricsReport.js"
import { keys, run, wentAsTold } from "../observability/program.js"
import type { Settings } from "../observability/program.js"
import * as SpanTree from "../observability/spanTree.js"
import { runExample } from "./support/runExample.js"

const settings: Settings = {
  workers: 3,
  rounds: 2,
  work: Duration.millis(40),
  hold: Duration.millis(800),
  // Short leases make renewals late on a busy machine (a 600 ms lease has 280 ms for its renewal to answer).
  ttl: Duration.seconds(2)
}

const parentOf = (spans: ReadonlyArray<ReadableSpan>, span: ReadableSpan) =>
  spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId)

describe("observability example", () => {
  it.scopedLive("exports what the contention did: outcome counts, a loss, spans nested under their operations", () =>
    Effect.gen(function* () {
      const table = yield* DemoTable.embedded("observability")
      const { metrics, spans, story } = yield* run(table, settings)
      assert.isTrue(wentAsTold({ metrics, spans, story }, settings))
      assert.strictEqual(story.turns, 6)
      assert.deepStrictEqual(story.lockWaiters, { impatient: "AcquireCancelled (Timeout)", patient: "acquired" })
      assert.deepStrictEqual(story.permitWaiters, { impatient: "AcquireCancelled (Timeout)", patient: "acquired" })
      assert.strictEqual(story.migration, "LockLost (Vanished)")
      // Noticed at the holder's next renewal, a third of a lease after the last.
      assert.isTrue(Duration.lessThan(story.lossNoticedAfter, settings.ttl), Duration.format(story.lossNoticedAfter))

      const count = (name: string, tags: Record<string, string>) =>
        MetricsReport.counted(metrics, `dynalock_${name}`, tags)
      // Locks: 6 turns, w1 and w2 at rebuild-index, w1 at migrate; one found it held, one gave up.
      assert.deepStrictEqual(
        {
          acquired: count("lock_acquisitions_total", { kind: "lock", outcome: "acquired" }),
          held: count("lock_acquisitions_total", { kind: "lock", outcome: "held" }),
          timeout: count("lock_acquisitions_total", { kind: "lock", outcome: "timeout" }),
          permits: count("lock_acquisitions_total", { kind: "semaphore", outcome: "acquired" }),
          permitTimeouts: count("lock_acquisitions_total", { kind: "semaphore", outcome: "timeout" }),
          withdrawn: count("lock_withdrawals_total", { kind: "lock", outcome: "withdrawn" }),
          permitsWithdrawn: count("lock_withdrawals_total", { kind: "semaphore", outcome: "withdrawn" }),
          vanished: count("lock_losses_total", { kind: "lock", reason: "Vanished" }),
          renewalsLost: count("lock_renewals_total", { kind: "lock", outcome: "lost" })
        },
        {
          acquired: 9,
          held: 1,
          timeout: 1,
          permits: 3,
          permitTimeouts: 1,
          withdrawn: 1,
          permitsWithdrawn: 1,
          vanished: 1,
          renewalsLost: 1
        }
      )
      // No other outcome, reason or kind was counted.
      const acquisitions = metrics.filter((row) => row.name === "dynalock_lock_acquisitions_total")
      assert.strictEqual(acquisitions.length, 5, JSON.stringify(acquisitions))
      assert.deepStrictEqual(
        metrics.filter((row) => row.name === "dynalock_lock_losses_total").map((row) => row.tags),
        [{ kind: "lock", reason: "Vanished" }]
      )
      // Step 2's and step 4's holders kept their locks past a third of their leases, and so did the permits' holders.
      assert.isAtLeast(count("lock_renewals_total", { kind: "lock", outcome: "renewed" }), 2)
      assert.isAtLeast(count("lock_renewals_total", { kind: "semaphore", outcome: "renewed" }), 2)
      // Every grant waited and was held once (released or lost), each timed.
      const lockWait = MetricsReport.timed(metrics, "dynalock_lock_wait_milliseconds", { kind: "lock" })
      const lockHold = MetricsReport.timed(metrics, "dynalock_lock_hold_milliseconds", { kind: "lock" })
      assert.strictEqual(lockWait?.count, 9)
      assert.strictEqual(lockHold?.count, 9)
      assert.strictEqual(
        MetricsReport.timed(metrics, "dynalock_lock_hold_milliseconds", { kind: "semaphore" })?.count,
        3
      )
      // The patient waiter of step 2 waited the 800 ms hold at least; p50 and p99 are bucket bounds within max.
      assert.isAtLeast(lockWait!.max, 800)
      assert.isAtMost(lockWait!.p99, lockWait!.max)
      assert.strictEqual(
        lockWait!.buckets.reduce((sum, [, n]) => sum + n, 0),
        9
      )
      // Every request by the DynamoDB layer; contended claims are refused conditions, not errors.
      assert.isAtLeast(count("store_requests_total", { operation: "UpdateItem", outcome: "ok" }), 9 + 3)
      assert.isAtLeast(count("store_requests_total", { operation: "UpdateItem", outcome: "condition_failed" }), 1)
      assert.isAtLeast(count("store_requests_total", { operation: "GetItem", outcome: "ok" }), 1)
      const printed = MetricsReport.format(metrics).join("\n")
      assert.match(printed, /dynalock_lock_losses_total +kind=lock reason=Vanished +1\n/)
      assert.match(printed, /dynalock_lock_wait_milliseconds +kind=lock +9 +p50 ≤ \d+ ms, p99 ≤ \d+ ms, max \d+ ms/)

      // Spans: one per public operation, with the key, partition and table.
      const named = (name: string) => spans.filter((span) => span.name === name)
      const names = new Set(spans.map((span) => span.name))
      for (const name of [
        "Locker.acquire",
        "Locker.tryAcquire",
        "Locker.withLock",
        "Locker.forceRelease",
        "DistributedSemaphore.withPermits",
        "Lock.release",
        "Lock.renew",
        "Permit.renew",
        "Permit.release",
        "KeyValueStore.get",
        "KeyValueStore.put",
        "DynamoDB.UpdateItem",
        "DynamoDB.GetItem"
      ]) {
        assert.isTrue(names.has(name), `a ${name} span`)
      }
      const acquires = named("Locker.acquire")
      assert.strictEqual(acquires.length, 3)
      for (const acquire of acquires) {
        assert.deepInclude(acquire.attributes, {
          key: keys.impatience,
          partition: "Observability#locks",
          table: "observability"
        })
        assert.strictEqual(parentOf(spans, acquire)?.name, "2. impatient waiters")
        assert.strictEqual(acquire.spanContext().traceId, parentOf(spans, acquire)?.spanContext().traceId)
      }
      // The DynamoDB requests of an acquisition nest under its span.
      assert.isTrue(
        spans.some((span) => span.name === "DynamoDB.UpdateItem" && acquires.includes(parentOf(spans, span)!)),
        "a DynamoDB.UpdateItem under a Locker.acquire"
      )
      // The impatient acquisition ended in error, with the reason.
      const timedOut = acquires.filter((span) => span.status.code === SpanStatusCode.ERROR)
      assert.strictEqual(timedOut.length, 1)
      assert.include(timedOut[0]!.status.message, "Timeout")
      // The turns' store reads nest under withLock, under the worker's span, under the step.
      const read = named("KeyValueStore.get").find((span) => parentOf(spans, span)?.name === "Locker.withLock")!
      assert.deepInclude(read.attributes, { key: "turns", partition: "Observability", table: "observability" })
      assert.match(parentOf(spans, parentOf(spans, read)!)!.name, /^worker w[123]$/)
      assert.isTrue(spans.some((span) => span.name === "DynamoDB.GetItem" && parentOf(spans, span) === read))
      // The broken lock: withLock failed with the loss; the operator's forceRelease has a span of its own.
      const migrate = named("Locker.withLock").find((span) => span.attributes["key"] === keys.migrate)!
      assert.strictEqual(migrate.status.code, SpanStatusCode.ERROR)
      assert.include(migrate.status.message, "Vanished")
      assert.strictEqual(named("Locker.forceRelease")[0]?.attributes["key"], keys.migrate)
      // Permits nest under withPermits, with their key and limit.
      const withPermits = named("DistributedSemaphore.withPermits")
      assert.strictEqual(withPermits.length, 4)
      assert.deepInclude(withPermits[0]!.attributes, { key: keys.pool, limit: 2, permits: 1 })
      assert.isTrue(
        named("Permit.release").every((span) => parentOf(spans, span)?.name === "DistributedSemaphore.withPermits")
      )

      // The printed tree shows the nesting by indentation.
      const tree = SpanTree.format(SpanTree.build(spans))
      const step2 = tree.indexOf(tree.find((line) => line.startsWith("2. impatient waiters"))!)
      assert.match(
        tree[step2 + 1]!,
        /^ {2}Locker\.acquire {2}\d+(\.\d)? ms {2}key=jobs\/rebuild-index partition=Observability#locks table=observability$/
      )
      assert.match(tree[step2 + 2]!, /^ {4}DynamoDB\.UpdateItem {2}/)
    })
  )

  it.live(
    "main.ts runs to the end and exits 0",
    () =>
      Effect.gen(function* () {
        const finished = yield* runExample(
          "observability/main.ts",
          { DEMO_ROUNDS: "2", DEMO_WORK: "40 millis", DEMO_HOLD: "800 millis", DEMO_TTL: "2 seconds" },
          "50 seconds"
        )
        assert.strictEqual(finished.code, 0, `${finished.stdout}\n${finished.stderr}`)
        assert.include(finished.stdout, "w1's job ended")
        assert.include(finished.stdout, "LockLost (Vanished)")
        assert.match(finished.stdout, /dynalock_lock_acquisitions_total +kind=lock outcome=acquired +9\n/)
        assert.match(finished.stdout, /\n {2}Locker\.acquire .*\n {4}DynamoDB\.UpdateItem/)
      }),
    60_000
  )
})
