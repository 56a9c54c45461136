/** What lock workers reported (workerProtocol.ts), as critical sections, waits and hand-overs. */
import type { PermitSection, Section } from "./sections.js"
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

/** A semaphore worker's events as sections holding permits: each Granted closed by the Exit or Lost after it. */
export const permitSectionsOf = (who: string, events: ReadonlyArray<WorkerEvent>): Array<PermitSection> => {
  const sections: Array<PermitSection> = []
  let open: Extract<WorkerEvent, { _tag: "Granted" }> | undefined
  for (const event of events) {
    if (event._tag === "Granted") open = event
    if ((event._tag === "Exit" || event._tag === "Lost") && open !== undefined) {
      sections.push({ who, enter: open.at, exit: event.at, permits: open.permits, lost: event._tag === "Lost" })
      open = undefined
    }
  }
  return sections
}

/** A worker waiting for the lock (or permits): from its Acquiring to its Enter or Granted (never, if it did not get it). */
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
    if ((event._tag === "Enter" || event._tag === "Granted") && from !== undefined) {
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
    const wantedFrom = waitingThen
      ? after.exit
      : Math.min(...waits.filter((wait) => wait.from > after.exit).map((wait) => wait.from))
    return [{ after, next, stall: next.enter - Math.max(after.exit, wantedFrom) }]
  })
}

/** A request for permits, and those that began waiting after it yet were granted before it. */
export interface Overtaking {
  readonly who: string
  readonly permits: number
  readonly from: number
  readonly overtakenBy: number
}

/**
 * For each of a semaphore worker's waits that got its permits: how many sections of other workers, whose wait began
 * later, started before it. Waits and sections of one worker pair up in order (each wait ends at its section).
 */
export const overtakingsOf = (
  runs: ReadonlyArray<{ readonly waits: ReadonlyArray<Wait>; readonly sections: ReadonlyArray<PermitSection> }>
): Array<Overtaking> => {
  const granted = runs.flatMap(({ sections, waits }) =>
    sections.map((section, i) => ({ section, from: waits[i]?.from ?? section.enter }))
  )
  return granted.map(({ from, section }) => ({
    who: section.who,
    permits: section.permits,
    from,
    overtakenBy: granted.filter(
      (other) => other.section.who !== section.who && other.from > from && other.section.enter < section.enter
    ).length
  }))
}
