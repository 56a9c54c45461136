/** A plan drawing faults at given rates from a seeded generator, so that a failing run can be replayed. */
import { Fault } from "./plan.js"
import type { Plan } from "./plan.js"

/**
 * The probability of each fault for one request (the rest pass), and the faults' parameters.
 *
 * @since 0.2.0
 * @category options
 */
export interface RandomPlanOptions {
  readonly throttle?: number | undefined
  /** Half of them 500 InternalServerError, half 503 ServiceUnavailable. */
  readonly serverError?: number | undefined
  readonly reset?: number | undefined
  readonly hang?: number | undefined
  readonly dropAnswer?: number | undefined
  readonly delayRequest?: number | undefined
  readonly delayAnswer?: number | undefined
  readonly duplicate?: number | undefined
  /** How `DropAnswer` drops: default `"reset"` (`"hang"` needs the clients to time out). */
  readonly dropAnswerHow?: "reset" | "hang" | undefined
  /** Delays and a duplicate's lag are drawn uniformly from 0 to this, in whole milliseconds; default 50. */
  readonly maxDelayMillis?: number | undefined
}

/**
 * A small, fast generator of uniform numbers in [0, 1) (mulberry32): the same seed gives the same sequence.
 * Reproducibility, not statistical strength, is what a fault plan needs.
 */
const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const rateOf = (value: number | undefined): number =>
  value === undefined || !Number.isFinite(value) || value <= 0 ? 0 : Math.min(1, value)

const maxDelayOf = (value: number | undefined): number =>
  value === undefined || !Number.isFinite(value) ? 50 : Math.max(0, Math.floor(value))

/**
 * Draws each request's fault at the given rates, from a generator seeded with `seed`: two plans with the same
 * options and seed give the same faults to the same sequence of requests. Rates are clamped to [0, 1]; if they add
 * up to more than 1 they are scaled down to add up to 1 (every request then gets a fault).
 *
 * @since 0.2.0
 * @category plans
 */
export const randomPlan = (options: RandomPlanOptions, seed: number): Plan => {
  const random = seededRandom(seed)
  const maxDelay = maxDelayOf(options.maxDelayMillis)
  const delay = () => Math.floor(random() * (maxDelay + 1))
  const how = options.dropAnswerHow ?? "reset"
  const kinds: ReadonlyArray<readonly [number, () => Fault]> = [
    [rateOf(options.throttle), () => Fault.Throttle()],
    [rateOf(options.serverError), () => Fault.ServerError({ status: random() < 0.5 ? 500 : 503 })],
    [rateOf(options.reset), () => Fault.Reset()],
    [rateOf(options.hang), () => Fault.Hang()],
    [rateOf(options.dropAnswer), () => Fault.DropAnswer({ how })],
    [rateOf(options.delayRequest), () => Fault.DelayRequest({ millis: delay() })],
    [rateOf(options.delayAnswer), () => Fault.DelayAnswer({ millis: delay() })],
    [rateOf(options.duplicate), () => Fault.Duplicate({ afterMillis: delay() })]
  ]
  const sum = kinds.reduce((total, [rate]) => total + rate, 0)
  const scale = sum > 1 ? 1 / sum : 1
  return () => {
    let draw = random()
    for (const [rate, fault] of kinds) {
      const scaled = rate * scale
      if (draw < scaled) return fault()
      draw -= scaled
    }
    return Fault.Pass()
  }
}
