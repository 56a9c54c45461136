/** What lock workers reported (workerProtocol.ts), as critical sections, waits and hand-overs. */
import type { Section } from "./sections.js"
import type { WorkerEvent } from "./workerProtocol.js"

/** A worker's events as critical sections: each Enter closed by the Exit or Lost after it. */
export const sectionsOf = (who: string, events: ReadonlyArray<WorkerEvent>): Array<Section> => {
  const sections: Array<Section> = []
  let open: Extract<WorkerEvent, { _tag: "Enter" }> | undefined
  for (const event of events) {
    if (event._tag === "Enter") open = event
    if ((event._tag === "Exit" || event._tag === "Lost") && open !== undefined) {
      sections.push({ who, enter: open.at, exit: event.at, token: BigInt(open.token), lost: event._tag === "Lost" })
      open = undefined
    }
  }
  return sections
}

/** A worker waiting for the lock: from its Acquiring to its Enter (never, if it did not get it). */
export interface Wait {
  readonly who: string
  readonly from: number
  readonly until: number
}

export const waitsOf = (who: string, events: ReadonlyArray<WorkerEvent>): Array<Wait> => {
  const waits: Array<Wait> = []
  let from: number | undefined
  for (const event of events) {
    if (event._tag === "Acquiring") from = event.at
    if (event._tag === "Enter" && from !== undefined) {
      waits.push({ who, from, until: event.at })
      from = undefined
    }
  }
  if (from !== undefined) waits.push({ who, from, until: Number.POSITIVE_INFINITY })
  return waits
}

/** One hand-over of the lock: how long it lay free while someone wanted it, between two sections. */
export interface HandOver {
  readonly after: Section
  readonly next: Section
  /** From the end of `after` (or, if nobody waited then, from the next wait's start) to the start of `next`. */
  readonly stall: number
}

/**
 * The hand-overs between consecutive sections (by entry). A section that ended by losing the lock is no
 * hand-over: its lease stays in the store until it expires.
 */
export const handOversOf = (sections: ReadonlyArray<Section>, waits: ReadonlyArray<Wait>): Array<HandOver> => {
  const sorted = [...sections].sort((a, b) => a.enter - b.enter)
  return sorted.slice(1).flatMap((next, i) => {
    const after = sorted[i]!
    if (after.lost) return []
    const waitingThen = waits.some((wait) => wait.from <= after.exit && wait.until > after.exit)
    const wantedFrom = waitingThen ? after.exit : Math.min(...waits.filter((wait) => wait.from > after.exit).map((wait) => wait.from))
    return [{ after, next, stall: next.enter - Math.max(after.exit, wantedFrom) }]
  })
}
