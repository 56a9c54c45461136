/**
 * How fast a line of waiters moves, learnt from the fencing counter (one step per acquisition). A waiter far back
 * in line uses it to look again about halfway to its expected turn, so that it learns it is next soon after it is,
 * rather than after a poll interval its backoff has grown to while it waited behind the others.
 */
export interface Pace {
  readonly first?: { readonly fence: number; readonly at: number } | undefined
  /** Milliseconds per acquisition, once the line has moved. */
  readonly perAcquisition?: number | undefined
}

export const noPace: Pace = {}

/** The pace after one more look at the record. */
export const observe = (pace: Pace, fence: number, now: number): Pace => {
  if (pace.first === undefined || fence < pace.first.fence)
    return { first: { fence, at: now }, perAcquisition: undefined }
  if (fence === pace.first.fence) return pace
  return { first: pace.first, perAcquisition: (now - pace.first.at) / (fence - pace.first.fence) }
}

/**
 * The latest time to look again with `ahead` acquisitions before ours (the current lease counts as one): halfway to
 * the expected turn, at least 10 ms on. The first in line relies on its schedule, restarted when it became first.
 */
export const nextLookAt = (now: number, ahead: number, pace: Pace): number =>
  ahead <= 1 || pace.perAcquisition === undefined
    ? Number.POSITIVE_INFINITY
    : now + Math.max(10, (ahead * pace.perAcquisition) / 2)

/**
 * When to look again, from how long holders of the key typically hold it (`hold`, which releases keep up to date)
 * and when the current lease began (`since`, the holder's clock): just after the release is expected to be sent,
 * and while it is overdue, again after half as long as it is late (at least 2 ms on), so that a holder that holds
 * longer costs a few looks, not one per poll interval. None when the record gives no estimate.
 */
export const expectedLook = (now: number, ahead: number, since: number, hold: number): number | undefined => {
  if (hold <= 0 || since <= 0 || ahead < 1) return undefined
  // Each turn ahead counts as one hold, never as the line's observed pace: that pace includes the gaps late looks
  // cause, so waiters trusting it look later still, and the line settles into a slow mode (measured: 8.4 instead of
  // 15 acquisitions/s, 8 processes). A look too early costs a read; one too late stalls the whole line.
  const turn = since + hold * ahead
  // A look sent before the release travels as fast as it does, so it reaches the store first and sees the lease
  // still held: aim just after it.
  const lag = 1
  return turn + lag > now ? turn + lag : now + Math.max(2, (now - turn) / 2)
}
