/**
 * The typed failures of dynalock. Every expected failure is a value in the error channel.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * `get` of a missing or expired key; `atomicDelete` of a missing or expired key.
 *
 * @since 0.1.0
 * @category errors
 */
export class KeyNotFound extends Schema.TaggedError<KeyNotFound>()("KeyNotFound", {
  key: Schema.String
}) {
  override get message(): string {
    return `key not found: ${this.key}`
  }
}

/**
 * `atomicPut` without `previous` while a live (unexpired) item exists.
 *
 * @since 0.1.0
 * @category errors
 */
export class KeyExists extends Schema.TaggedError<KeyExists>()("KeyExists", {
  key: Schema.String
}) {
  override get message(): string {
    return `key exists: ${this.key}`
  }
}

/**
 * `atomicPut`/`atomicDelete` with a `previous` whose version no longer matches, or that has expired.
 *
 * @since 0.1.0
 * @category errors
 */
export class KeyModified extends Schema.TaggedError<KeyModified>()("KeyModified", {
  key: Schema.String
}) {
  override get message(): string {
    return `key modified since it was read: ${this.key}`
  }
}

/**
 * Why a lock wait gave up. `Late`: with `wait: false`, the store's answer came too late for the lease to be safe
 * (it was given back).
 *
 * @since 0.1.0
 * @category errors
 */
export const AcquireCancelledReason = Schema.Literal("ScheduleExhausted", "Timeout", "Held", "Late")

/**
 * @since 0.1.0
 */
export type AcquireCancelledReason = typeof AcquireCancelledReason.Type

/**
 * A lock wait gave up: retry schedule exhausted, `timeout` reached, or `wait: false` and the lock is held.
 *
 * @since 0.1.0
 * @category errors
 */
export class AcquireCancelled extends Schema.TaggedError<AcquireCancelled>()("AcquireCancelled", {
  key: Schema.String,
  reason: AcquireCancelledReason
}) {
  override get message(): string {
    return `acquire of lock ${this.key} cancelled: ${this.reason}`
  }
}

/**
 * Why a held lock was lost.
 *
 * @since 0.1.0
 * @category errors
 */
export const LockLostReason = Schema.Literal("TakenOver", "Expired", "Vanished")

/**
 * @since 0.1.0
 */
export type LockLostReason = typeof LockLostReason.Type

/**
 * A held lock was taken over, expired before it could be renewed, or its record vanished.
 *
 * @since 0.1.0
 * @category errors
 */
export class LockLost extends Schema.TaggedError<LockLost>()("LockLost", {
  key: Schema.String,
  reason: LockLostReason
}) {
  override get message(): string {
    return `lock ${this.key} lost: ${this.reason}`
  }
}

/**
 * Bad input caught before any request was sent. Nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
  key: Schema.optional(Schema.String)
}) {}

/**
 * The classes of backend failure.
 *
 * @since 0.1.0
 * @category errors
 */
export const StoreErrorReason = Schema.Literal(
  "Throttled",
  "Unavailable",
  "Timeout",
  "TableNotFound",
  "AccessDenied",
  "Configuration",
  "Validation",
  "Unknown"
)

/**
 * @since 0.1.0
 */
export type StoreErrorReason = typeof StoreErrorReason.Type

/**
 * Whether a failed write may have been applied: `"no"` when the request certainly did not take effect (it was
 * refused, or never sent), `"unknown"` when it left and no answer came back.
 *
 * @since 0.2.0
 * @category errors
 */
export const StoreErrorApplied = Schema.Literal("no", "unknown")

/**
 * @since 0.2.0
 */
export type StoreErrorApplied = typeof StoreErrorApplied.Type

/**
 * The backend failed after retries. `detail` is a human-readable explanation (for example the table name, or for
 * `Configuration` what to set); `applied` says, where the backend knows, whether the request may have taken effect.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", {
  operation: Schema.String,
  reason: StoreErrorReason,
  cause: Schema.Defect,
  detail: Schema.optional(Schema.String),
  applied: Schema.optional(StoreErrorApplied)
}) {
  override get message(): string {
    return `${this.operation} failed (${this.reason})${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}

/**
 * Store errors whose write may or may not have been applied: the request left but no answer came back.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isOutcomeUnknown = (error: StoreError): boolean =>
  error.applied === undefined
    ? error.reason === "Timeout" || error.reason === "Unavailable" || error.reason === "Unknown"
    : error.applied === "unknown"

/**
 * Store errors worth trying again later: the table was busy or did not answer.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isTransient = (error: StoreError): boolean =>
  error.reason === "Throttled" || error.reason === "Unavailable" || error.reason === "Timeout"
