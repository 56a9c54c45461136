/**
 * What a worker process reports to the demo on stdout, one JSON object per line. The parent turns these into the
 * live log and checks them for overlapping jobs; the commands the other way are `go` on stdin, and the end of
 * stdin, which means "finish the current job and exit".
 */
import { Schema } from "effect"

/** The worker is connected and waits for `go`. */
export class Ready extends Schema.TaggedClass<Ready>()("Ready", { worker: Schema.String, pid: Schema.Number }) {}

/** The worker holds the record's lock and has read the record. `at` is the machine clock (see `machineClock.ts`). */
export class Locked extends Schema.TaggedClass<Locked>()("Locked", {
  worker: Schema.String,
  record: Schema.String,
  fence: Schema.BigInt,
  version: Schema.Number,
  at: Schema.Number
}) {}

/** The job is done and committed with `atomicPut`; the lock is released right after this event. */
export class Committed extends Schema.TaggedClass<Committed>()("Committed", {
  worker: Schema.String,
  record: Schema.String,
  fence: Schema.BigInt,
  version: Schema.Number,
  jobs: Schema.Number,
  at: Schema.Number
}) {}

/** The job was not committed: the lock was lost, or the record refused the write (which must never happen). */
export class Abandoned extends Schema.TaggedClass<Abandoned>()("Abandoned", {
  worker: Schema.String,
  record: Schema.String,
  fence: Schema.BigInt,
  reason: Schema.String,
  at: Schema.Number
}) {}

/** The worker stopped after `jobs` jobs. */
export class Stopped extends Schema.TaggedClass<Stopped>()("Stopped", { worker: Schema.String, jobs: Schema.Number }) {}

/** Any event. */
export const WorkerEvent = Schema.Union(Ready, Locked, Committed, Abandoned, Stopped)

/** @see WorkerEvent */
export type WorkerEvent = typeof WorkerEvent.Type

/** An event as one line of JSON. */
export const WorkerEventLine = Schema.parseJson(WorkerEvent)
