/**
 * HTTP answers as held by the proxy, and the error answers DynamoDB itself gives, shaped so that the AWS SDK v3
 * reads them as it reads the service's: the error name from `__type` (after the `#`), the status code, and the
 * request id from `x-amzn-RequestId`.
 */

/** A whole HTTP answer: status line, headers as received (names' case and order kept), body. */
export interface Answer {
  readonly status: number
  readonly statusMessage: string
  /** Alternating names and values, as Node's `rawHeaders`. */
  readonly rawHeaders: ReadonlyArray<string>
  readonly body: Buffer
}

const errorAnswer = (
  status: number,
  statusMessage: string,
  type: string,
  message: string,
  requestId: string
): Answer => {
  const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }))
  return {
    status,
    statusMessage,
    rawHeaders: [
      "x-amzn-RequestId",
      requestId,
      "Content-Type",
      "application/x-amz-json-1.0",
      "Content-Length",
      String(body.length)
    ],
    body
  }
}

/** Request ids of the proxy's own answers say where they came from. */
const requestIdOf = (sequence: number) => `FAULTPROXY${String(sequence).padStart(10, "0")}`

/** DynamoDB's throttling answer (the SDK: `ProvisionedThroughputExceededException`, a throttling error, status 400). */
export const throttled = (sequence: number): Answer =>
  errorAnswer(
    400,
    "Bad Request",
    "ProvisionedThroughputExceededException",
    "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
    requestIdOf(sequence)
  )

/** DynamoDB's 5xx answers (the SDK: `InternalServerError` or `ServiceUnavailable`, `$fault: "server"`). */
export const serverError = (status: 500 | 503, sequence: number): Answer =>
  status === 503
    ? errorAnswer(
        503,
        "Service Unavailable",
        "ServiceUnavailable",
        "The service is currently unavailable or busy.",
        requestIdOf(sequence)
      )
    : errorAnswer(500, "Internal Server Error", "InternalServerError", "Internal server error", requestIdOf(sequence))

/** The answer when the plan itself throws: a 500 whose message says so, for the test's failure to show. */
export const planFailed = (error: unknown, sequence: number): Answer =>
  errorAnswer(
    500,
    "Internal Server Error",
    "InternalServerError",
    `FaultProxy: the plan threw: ${String(error)}`,
    requestIdOf(sequence)
  )
