/**
 * The request options checked once, when a layer is built: a bad one never makes building fail, and never becomes
 * a defect later; every operation fails with `StoreError` reason `Configuration` saying what to change.
 */
import { Duration, Either, Option, Schedule } from "effect"
import { defaultRetry, defaultTimeout } from "./client.js"
import type { ClientOption, RequestSettings } from "./client.js"
import { ConfigurationError } from "./errors.js"

/** What `RequestOptions` hold, as received: anything, from a typed caller or from JavaScript. */
interface RequestOptionsInput {
  readonly client?: unknown
  readonly retry?: unknown
  readonly requestTimeout?: unknown
}

interface CheckedRequestOptions {
  readonly client: ClientOption | undefined
  readonly settings: RequestSettings
}

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null

const checkTimeout = (input: unknown): Either.Either<Duration.Duration, ConfigurationError> => {
  if (input === undefined) return Either.right(defaultTimeout)
  const decoded = typeof input === "number" && !Number.isFinite(input) ? Option.none() : Duration.decodeUnknown(input)
  return Option.isSome(decoded) &&
    Duration.isFinite(decoded.value) &&
    Duration.greaterThan(decoded.value, Duration.zero)
    ? Either.right(decoded.value)
    : Either.left(
        new ConfigurationError({ message: `requestTimeout must be a positive, finite duration (got ${String(input)})` })
      )
}

/** The request options, or the first problem with them. */
export const checkRequestOptions = (
  options: RequestOptionsInput | undefined
): Either.Either<CheckedRequestOptions, ConfigurationError> => {
  if (options !== undefined && !isObject(options)) {
    return Either.left(new ConfigurationError({ message: "the options must be an object" }))
  }
  const client = options?.client
  if (client !== undefined && !isObject(client)) {
    return Either.left(
      new ConfigurationError({ message: "client must be a DynamoDBClient or a DynamoDBClientConfig object" })
    )
  }
  const retry = options?.retry
  if (retry !== undefined && !Schedule.isSchedule(retry)) {
    return Either.left(new ConfigurationError({ message: `retry must be an Effect Schedule (got ${typeof retry})` }))
  }
  return Either.map(checkTimeout(options?.requestTimeout), (timeout) => ({
    client: client as ClientOption | undefined,
    settings: { retry: (retry as Schedule.Schedule<unknown, unknown> | undefined) ?? defaultRetry, timeout }
  }))
}
