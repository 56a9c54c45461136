/**
 * The exit statuses of `dynalock`. Where one exists, the BSD sysexits.h code of the same meaning, so that
 * schedulers and scripts can tell "not my turn" from "broken".
 */
import { Data } from "effect"

/** `EX_USAGE`: the command line (or an option's value) is wrong. */
export const usage = 64

/** `EX_SOFTWARE`: the store failed (or dynalock itself did). */
export const storeError = 70

/** `EX_IOERR`: the lock was lost while the command ran; the command was stopped. */
export const lockLost = 74

/** `EX_TEMPFAIL`: the lock was not acquired (held, or the wait timed out); try again later. */
export const notAcquired = 75

/** The shell's: the command could not be executed (found, but not runnable). */
export const cannotExecute = 126

/** The shell's: the command was not found. */
export const notFound = 127

/** The shell's convention for a process ended by a signal: 128 plus the signal's number. */
export const signalled = (signalNumber: number): number => 128 + signalNumber

/**
 * The program ends with `code`, after printing `message` (if any) to stderr. How every outcome other than
 * success reaches the process's exit status.
 */
export class ExitWith extends Data.TaggedError("ExitWith")<{
  readonly code: number
  readonly message?: string | undefined
}> {}
