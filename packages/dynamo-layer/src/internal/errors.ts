/** Which DynamoDB failures are which `StoreError` reason, and which of them may be retried. */
import { Data } from "effect"
import { StoreError } from "@dynalock/core"
import type { StoreErrorReason } from "@dynalock/core"

/**
 * When a failed request may be sent again.
 * - `Always`: the request was certainly not applied (throttled, or it never left this machine).
 * - `IfIdempotent`: the request may have been applied (timeout, connection reset, 5xx): only reads are resent,
 *   a conditional write resent after it was applied would report a false rejection.
 * - `Never`: sending it again cannot help.
 */
type RetryPolicy = "Always" | "IfIdempotent" | "Never"

/** A failure classified: the reason callers see and whether it may be retried. */
export interface Classified {
  readonly reason: StoreErrorReason
  readonly retry: RetryPolicy
}

/** Options this package cannot work with, reported by every request instead of failing construction. */
export class ConfigurationError extends Data.TaggedError("DynamoStoreConfigurationError")<{
  readonly message: string
}> {}

const throttlingNames = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "Throttling",
  "TooManyRequestsException"
])

const accessNames = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "ExpiredTokenException"
])

const validationNames = new Set([
  "ValidationException",
  "SerializationException",
  "ItemCollectionSizeLimitExceededException"
])

// Connection failures before a single byte was sent: the server cannot have applied anything.
const unsentCodes = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"])
// Failures after the request may have reached the server.
const brokenCodes = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_HTTP2_STREAM_ERROR"])
const timeoutNames = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"])

const field = (error: unknown, name: string): unknown =>
  typeof error === "object" && error !== null ? (error as Record<string, unknown>)[name] : undefined

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

const statusOf = (error: unknown): number | undefined => {
  const status = field(field(error, "$metadata"), "httpStatusCode")
  return typeof status === "number" ? status : undefined
}

/**
 * What to set, when the SDK failed before sending anything because it lacks something only configuration gives:
 * a region, credentials, a usable endpoint.
 */
const configurationProblem = (error: unknown): string | undefined => {
  if (error instanceof ConfigurationError) return error.message
  const name = text(field(error, "name")) ?? ""
  const code = text(field(error, "code")) ?? ""
  const message = text(field(error, "message")) ?? ""
  if (/region is missing/i.test(message)) {
    return "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a profile's region), or pass `client: { region }`"
  }
  if (name === "CredentialsProviderError") {
    return (
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role " +
      "provides them, or pass `client: { credentials }`"
    )
  }
  if (code === "ERR_INVALID_URL" || /invalid url|endpoint/i.test(name)) {
    return "the endpoint is not a usable URL: set AWS_ENDPOINT_URL_DYNAMODB or `client: { endpoint }` to e.g. http://127.0.0.1:8000"
  }
  return undefined
}

/** The class of an error thrown by the AWS SDK (or by Node's HTTP stack underneath it). */
export const classify = (error: unknown): Classified => {
  const name = text(field(error, "name")) ?? ""
  const code = text(field(error, "code")) ?? ""
  const status = statusOf(error)
  if (configurationProblem(error) !== undefined) return { reason: "Configuration", retry: "Never" }
  if (throttlingNames.has(name) || status === 429) return { reason: "Throttled", retry: "Always" }
  if (name === "ResourceNotFoundException") return { reason: "TableNotFound", retry: "Never" }
  if (accessNames.has(name)) return { reason: "AccessDenied", retry: "Never" }
  if (validationNames.has(name)) return { reason: "Validation", retry: "Never" }
  // Node's error code first: the SDK names a reset connection "TimeoutError" so that its own retries resend it.
  if (unsentCodes.has(code)) return { reason: "Unavailable", retry: "Always" }
  if (brokenCodes.has(code)) return { reason: "Unavailable", retry: "IfIdempotent" }
  if (timeoutNames.has(name) || code === "ETIMEDOUT") return { reason: "Timeout", retry: "IfIdempotent" }
  if (field(error, "$fault") === "server" || (status !== undefined && status >= 500)) {
    return { reason: "Unavailable", retry: "IfIdempotent" }
  }
  return { reason: "Unknown", retry: "Never" }
}

/** A human-readable description of an SDK error. */
const describe = (error: unknown): string => {
  const name = text(field(error, "name")) ?? "Error"
  const message = text(field(error, "message")) ?? String(error)
  const code = text(field(error, "code"))
  return code === undefined || message.includes(code) ? `${name}: ${message}` : `${name} (${code}): ${message}`
}

/**
 * Whether a failed request may have taken effect: not when it was refused or never sent; when it left and no answer
 * came back, or the answer is not understood, it may have.
 */
const appliedOf = (classified: Classified): "no" | "unknown" =>
  classified.retry === "IfIdempotent" || classified.reason === "Unknown" ? "unknown" : "no"

/** The `StoreError` for an SDK error. A missing table names the table; a configuration problem says what to set. */
export const toStoreError = (
  operation: string,
  table: string,
  error: unknown,
  classified: Classified = classify(error)
): StoreError =>
  new StoreError({
    operation,
    reason: classified.reason,
    cause: error,
    applied: appliedOf(classified),
    detail:
      classified.reason === "TableNotFound"
        ? `table "${table}" does not exist or is not active (${describe(error)})`
        : classified.reason === "Configuration"
          ? `${configurationProblem(error) ?? describe(error)} (${describe(error)})`
          : describe(error)
  })
