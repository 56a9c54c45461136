/**
 * How fast a line of waiters moves, learnt from the `served` counter. A waiter far back in line uses it to look
 * again about halfway to its expected turn, so that it learns it is next soon after it is, rather than after a
 * poll interval its backoff has grown to while it waited behind the others.
 */
export interface Pace {
  /** Records what one poll saw; returns the milliseconds per served ticket, once the line has moved. */
  readonly observe: (served: number, now: number) => number | undefined
}

export const makePace = (): Pace => {
  let first: { readonly served: number; readonly at: number } | undefined
  let perTicket: number | undefined
  return {
    observe: (served, now) => {
      if (first === undefined || served < first.served) first = { served, at: now }
      else if (served > first.served) perTicket = (now - first.at) / (served - first.served)
      return perTicket
    }
  }
}

/** The latest time to look again with `ahead` tickets before ours: halfway to the expected turn, at least 10 ms on. */
export const nextLookAt = (now: number, ahead: number, perTicket: number | undefined): number =>
  ahead === 0 || perTicket === undefined ? Number.POSITIVE_INFINITY : now + Math.max(10, (ahead * perTicket) / 2)
