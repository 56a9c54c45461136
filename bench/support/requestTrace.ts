/**
 * A trace of every request a contender process sends, for reading where a handoff's time goes: each request's
 * send and answer on the machine-wide monotonic clock, by its kind in the lock protocol (as the fault-proxy tests
 * tell them). On only when `DYNALOCK_BENCH_TRACE` names a
 * file prefix; each process writes `<prefix>.<tag>.<pid>.json` every 2 s and when it exits.
 * `bench/tools/handoffTrace.ts` reads them.
 */
import { renameSync, writeFileSync } from "node:fs"
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { lockRequestKind } from "../../packages/dynamo-layer/test/support/lockRequests.js"
import type { LockRequestKind } from "../../packages/dynamo-layer/test/support/lockRequests.js"
import { monotonicMillis } from "./stats.js"

/**
 * [time ms, "send" | "ok" | "fail", the request's kind in the lock protocol], or [time ms, "enter" | "exit",
 * "section"] where the contender loop entered or left its critical section.
 */
export type TraceEvent =
  readonly [number, "send" | "ok" | "fail", LockRequestKind] | readonly [number, "enter" | "exit", "section"]

// One trace per process: the contender loop marks its sections in the same list as its client's requests.
const events: Array<TraceEvent> = []
const prefix = process.env.DYNALOCK_BENCH_TRACE ?? ""

/** Marks the contender loop's entry into or exit from its section, when tracing. */
export const traceSection = (what: "enter" | "exit"): void => {
  if (prefix !== "") events.push([monotonicMillis(), what, "section"])
}

export const traceRequests = (client: DynamoDBClient, tag: string): void => {
  if (prefix === "") return
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, "")
      const step = lockRequestKind({ operation, body: args.input, client: undefined, sequence: 0 })
      events.push([monotonicMillis(), "send", step])
      try {
        const output = await next(args)
        events.push([monotonicMillis(), "ok", step])
        return output
      } catch (error) {
        events.push([monotonicMillis(), "fail", step])
        throw error
      }
    },
    { step: "initialize", name: "dynalockBenchRequestTrace" }
  )
  const file = `${prefix}.${tag.replace(/[^A-Za-z0-9-]/g, "_")}.${process.pid}.json`
  // Whole files only: a process stopped while writing leaves the last complete one.
  const write = () => {
    writeFileSync(`${file}.partial`, JSON.stringify(events))
    renameSync(`${file}.partial`, file)
  }
  setInterval(write, 2000).unref()
  process.on("exit", write)
}
