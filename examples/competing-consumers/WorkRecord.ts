/**
 * The work records of the Agent partition. Each record carries its own processing history: every job that was
 * committed on it, with the worker, the fencing token of the lock it held, and when the job ran. The history is
 * written with `atomicPut` on the version read under the lock, so a lost or doubled update would show in it.
 */
import { Schema } from "effect"

/** One committed job. Times are the machine's monotonic clock in milliseconds (see `machineClock.ts`). */
export const Job = Schema.Struct({
  worker: Schema.String,
  /** The fencing token of the lock the job ran under (stored as a decimal string). */
  fence: Schema.BigInt,
  start: Schema.Number,
  end: Schema.Number
})

/** @see Job */
export type Job = typeof Job.Type

/** A work record, stored as a native DynamoDB map (readable in the AWS console). */
export const WorkRecord = Schema.Struct({
  jobs: Schema.Array(Job),
  /** The highest fencing token that ever wrote this record: a write under a lower one is stale. */
  lastFence: Schema.BigInt
})

/** @see WorkRecord */
export type WorkRecord = typeof WorkRecord.Type

/** A record nobody has worked on yet. */
export const fresh: WorkRecord = { jobs: [], lastFence: 0n }

/** The key prefix of the records (Go dynalock's example calls its agents `orchestra/...` too). */
export const prefix = "orchestra/"

/** The key of the `n`th record, counting from 1. */
export const recordKey = (n: number): string => `${prefix}r${n}`

/** When a record was last worked on; records never worked on come first. */
export const lastWorked = (record: WorkRecord): number => record.jobs.at(-1)?.end ?? Number.NEGATIVE_INFINITY
