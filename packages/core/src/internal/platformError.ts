/** dynalock's failures as `@effect/platform`'s, for the platform `KeyValueStore` adapter. */
import { BadArgument, SystemError } from "@effect/platform/Error"
import type { PlatformError, SystemErrorReason } from "@effect/platform/Error"
import { Cause } from "effect"
import type { InvalidInput, StoreError } from "../Errors.js"

// Keyed by string rather than by `StoreErrorReason`, so that a reason added to core later still maps (to "Unknown")
// instead of breaking the adapter.
const systemReasons: Readonly<Record<string, SystemErrorReason>> = {
  Throttled: "Busy",
  Unavailable: "Unknown",
  Timeout: "TimedOut",
  TableNotFound: "NotFound",
  AccessDenied: "PermissionDenied",
  Configuration: "BadResource",
  Validation: "InvalidData",
  Unknown: "Unknown"
}

/** The `SystemError` reason of a store failure. */
const systemReason = (reason: StoreError["reason"]): SystemErrorReason => systemReasons[reason] ?? "Unknown"

/**
 * Bad input (refused before any request) is `BadArgument`; a failed backend is `SystemError`. Either keeps the
 * original error as its `cause`.
 */
export const toPlatformError =
  (method: string, key?: string) =>
  (failure: InvalidInput | StoreError): PlatformError => {
    // Errors that crossed a span arrive wrapped (a proxy carrying the span); the cause is the error as created.
    const error = Cause.originalError(failure)
    return error._tag === "InvalidInput"
      ? new BadArgument({ module: "KeyValueStore", method, description: error.message, cause: error })
      : new SystemError({
          module: "KeyValueStore",
          method,
          reason: systemReason(error.reason),
          description: error.message,
          syscall: error.operation,
          ...(key === undefined ? {} : { pathOrDescriptor: key }),
          cause: error
        })
  }
