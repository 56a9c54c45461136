/**
 * Where a handoff's time goes, from the request traces of one scenario's processes (`DYNALOCK_BENCH_TRACE`, see
 * bench/support/requestTrace.ts): for each release, until the next applied claim of another process.
 *
 *   DYNALOCK_BENCH_TRACE=/tmp/trace npm run bench -- peers --rows dynalock
 *   npx tsx bench/tools/handoffTrace.ts '/tmp/trace.dynalock_handoff_'
 */
import { readdirSync, readFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import type { TraceEvent } from "../support/requestTrace.js"

const prefix = process.argv[2] ?? ""
const folder = dirname(prefix)
const files = readdirSync(folder).filter((name) => name.startsWith(basename(prefix)) && name.endsWith(".json"))
if (files.length === 0) throw new Error(`no trace files start with ${prefix}`)
const events = files
  .flatMap((name, process) =>
    (JSON.parse(readFileSync(join(folder, name), "utf8")) as Array<TraceEvent>).map(([at, what, step]) => ({
      at,
      what,
      step,
      process
    }))
  )
  .sort((a, b) => a.at - b.at)

interface Handoff {
  /** From the holder leaving its section to its release being sent. */
  readonly exitToRelease: number
  readonly releaseRoundTrip: number
  readonly claimSentAfterRelease: number
  readonly claimRoundTrip: number
  readonly releaseToClaimAnswer: number
  /** From the applied claim's answer to the winner entering its section. */
  readonly answerToEnter: number
  /** From the holder leaving its section to the winner entering its own. */
  readonly exitToEnter: number
  readonly refusedClaims: number
  readonly reads: number
}

const handoffs: Array<Handoff> = []
events.forEach((release, i) => {
  if (release.what !== "send" || release.step !== "release") return
  const answered = events.slice(i + 1).find((e) => e.process === release.process && e.step === "release")
  const applied = events.findIndex(
    (e, j) => j > i && e.what === "ok" && e.step === "claim" && e.process !== release.process
  )
  if (answered === undefined || applied < 0) return
  const winner = events[applied]!
  const sent = events
    .slice(i, applied)
    .filter((e) => e.process === winner.process && e.what === "send" && e.step === "claim")
    .at(-1)
  const exit = events
    .slice(0, i)
    .filter((e) => e.process === release.process && e.what === "exit")
    .at(-1)
  const enter = events.slice(applied).find((e) => e.process === winner.process && e.what === "enter")
  if (sent === undefined || exit === undefined || enter === undefined) return
  const between = events.slice(i + 1, applied)
  handoffs.push({
    exitToRelease: release.at - exit.at,
    releaseRoundTrip: answered.at - release.at,
    claimSentAfterRelease: sent.at - release.at,
    claimRoundTrip: winner.at - sent.at,
    releaseToClaimAnswer: winner.at - release.at,
    answerToEnter: enter.at - winner.at,
    exitToEnter: enter.at - exit.at,
    refusedClaims: between.filter((e) => e.what === "fail" && e.step === "claim").length,
    reads: between.filter((e) => e.what === "send" && e.step === "read").length
  })
})
// The first few come before the record told a typical hold.
const measured = handoffs.slice(20)
const quantile = (values: ReadonlyArray<number>, q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!
console.log(`${measured.length} handoffs (${files.length} processes), ms:`)
const figures = [
  "exitToRelease",
  "releaseRoundTrip",
  "claimSentAfterRelease",
  "claimRoundTrip",
  "releaseToClaimAnswer",
  "answerToEnter",
  "exitToEnter"
] as const
for (const key of figures) {
  const values = measured.map((handoff) => handoff[key])
  console.log(
    `  ${key.padEnd(22)} p10 ${quantile(values, 0.1).toFixed(2)}  p50 ${quantile(values, 0.5).toFixed(2)}  p90 ${quantile(values, 0.9).toFixed(2)}`
  )
}
const share = (test: (handoff: Handoff) => boolean) =>
  `${((100 * measured.filter(test).length) / Math.max(1, measured.length)).toFixed(0)}%`
console.log(`  with a refused claim: ${share((handoff) => handoff.refusedClaims > 0)}`)
console.log(`  with a read between: ${share((handoff) => handoff.reads > 0)}`)
