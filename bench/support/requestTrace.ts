/**
 * A trace of every request a contender process sends, for reading where a handoff's time goes: each request's
 * send and answer on the machine-wide monotonic clock, by lock step. On only when `DYNALOCK_BENCH_TRACE` names a
 * file prefix; each process writes `<prefix>.<tag>.<pid>.json` every 2 s and when it exits.
 * `bench/tools/handoffTrace.ts` reads them.
 */
import { renameSync, writeFileSync } from "node:fs"
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import { monotonicMillis } from "./stats.js"

/** [time ms, "send" | "ok" | "fail", lock step]. */
export type TraceEvent = readonly [number, "send" | "ok" | "fail", string]

// Told from the update expression's attributes: only a claim sets the fence, only a release the typical hold.
const stepOf = (command: string, input: { readonly UpdateExpression?: string }): string => {
  if (command === "GetItemCommand") return "read"
  const update = input.UpdateExpression ?? ""
  if (update.includes("#fence")) return "claim"
  if (update.includes("#hold")) return "release"
  if (update.includes("list_append")) return "join"
  return "other"
}

export const traceRequests = (client: DynamoDBClient, tag: string): void => {
  const prefix = process.env.DYNALOCK_BENCH_TRACE
  if (prefix === undefined || prefix === "") return
  const events: Array<TraceEvent> = []
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const step = stepOf(String(context.commandName), args.input as { readonly UpdateExpression?: string })
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
