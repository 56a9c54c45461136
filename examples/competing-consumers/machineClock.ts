/**
 * One clock for every process of the machine: `process.hrtime` is the OS monotonic clock (CLOCK_MONOTONIC on
 * Linux), so times taken in different worker processes can be compared to find overlapping jobs, and no wall-clock
 * adjustment can fake or hide an overlap. The library itself reads Effect's `Clock`; this is the demo's referee.
 */
import { Effect } from "effect"

/** Milliseconds on the machine's monotonic clock. */
export const machineMillis: Effect.Effect<number> = Effect.sync(() => Number(process.hrtime.bigint()) / 1e6)
