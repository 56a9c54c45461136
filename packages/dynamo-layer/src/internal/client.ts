/** The DynamoDB client's lifetime, and sending one request: interruptible, timed out, retried, errors mapped. */
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand
} from "@aws-sdk/client-dynamodb"
import type {
  AttributeValue,
  CreateTableCommandInput,
  DeleteItemCommandInput,
  DescribeTableCommandInput,
  DescribeTimeToLiveCommandInput,
  DynamoDBClientConfig,
  GetItemCommandInput,
  QueryCommandInput,
  UpdateItemCommandInput,
  UpdateTimeToLiveCommandInput
} from "@aws-sdk/client-dynamodb"
import { Cause, Data, Duration, Effect, Either, Option, Schedule } from "effect"
import type { Metric, Scope } from "effect"
import { Observability, StoreError } from "@dynalock/core"
import { ConfigurationError, classify, toStoreError } from "./errors.js"
import type { Classified } from "./errors.js"
import { attemptOnce } from "./attempt.js"
import type { AttemptFailure, Run } from "./attempt.js"

/** A client, or the configuration to make one with. */
export type ClientOption = DynamoDBClient | DynamoDBClientConfig

/** Tuning of every request. */
export interface RequestSettings {
  /** How to space retries of transient failures; its recurrences bound them. */
  readonly retry: Schedule.Schedule<unknown, unknown>
  /** How long one attempt may wait for an answer. */
  readonly timeout: Duration.Duration
}

/**
 * Retries start at 25 ms and double, jittered, each wait capped at 2 s, for at most 8 retries (about 5 s in
 * all): enough to ride out a throttling burst without hiding an outage for long.
 */
export const defaultRetry: Schedule.Schedule<unknown, unknown> = Schedule.exponential("25 millis", 2).pipe(
  Schedule.union(Schedule.spaced("2 seconds")),
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(8))
)

/** DynamoDB answers in milliseconds; 5 s without an answer means something is wrong on the way. */
export const defaultTimeout: Duration.Duration = Duration.seconds(5)

/** A write whose condition did not hold. `item` is the item as it was, when the server returned it. */
export class ConditionFailed extends Data.TaggedError("ConditionFailed")<{
  readonly item: Option.Option<Record<string, AttributeValue>>
}> {}

const isClient = (option: ClientOption): option is DynamoDBClient =>
  option instanceof DynamoDBClient ||
  (typeof (option as { readonly send?: unknown }).send === "function" &&
    typeof (option as { readonly destroy?: unknown }).destroy === "function")

/**
 * The client to send with. A client passed in is used as is and left alone; otherwise one is made here and
 * destroyed when the scope closes. A configuration the SDK refuses is kept as the failure of every request,
 * so that building a layer never fails.
 */
export const acquireClient = (
  option: ClientOption | undefined
): Effect.Effect<Either.Either<DynamoDBClient, unknown>, never, Scope.Scope> =>
  option !== undefined && isClient(option)
    ? Effect.succeed(Either.right(option))
    : Effect.acquireRelease(
        Effect.sync(() =>
          Either.try({
            try: () => new DynamoDBClient(option ?? {}),
            catch: (error) =>
              new ConfigurationError({
                message: `the DynamoDB client cannot be made from this configuration: ${String(error)}`
              })
          })
        ),
        (made) =>
          Either.match(made, { onLeft: () => Effect.void, onRight: (client) => Effect.sync(() => client.destroy()) })
      )

type Command =
  | CreateTableCommand
  | DeleteItemCommand
  | DescribeTableCommand
  | DescribeTimeToLiveCommand
  | GetItemCommand
  | QueryCommand
  | UpdateItemCommand
  | UpdateTimeToLiveCommand

/**
 * Turns the SDK's own retries off for this one command (the client is left alone): they would resend a
 * conditional write whose first attempt may have been applied, and the resent write would then be rejected by
 * its own effect. Retries happen in `send`, where it is known which requests are safe to resend. The SDK
 * lets a command's middleware override the client's by name.
 */
const withoutSdkRetries = <C extends Command>(command: C): C => {
  ;(command.middlewareStack as UpdateItemCommand["middlewareStack"]).add((next) => next, {
    name: "retryMiddleware",
    step: "finalizeRequest",
    priority: "high",
    override: true
  })
  return command
}

/** One attempt of a request: a fresh command each time (the SDK adds middleware to a command as it sends it). */
export type { Run } from "./attempt.js"

const run =
  <I, C extends Command, Out>(
    make: (input: I) => C,
    send: (client: DynamoDBClient, command: C, signal: AbortSignal) => Promise<Out>
  ) =>
  (input: I): Run<Out> =>
  (client, signal) =>
    send(client, withoutSdkRetries(make(input)), signal)

/** The requests this package sends. */
export const requests = {
  getItem: run(
    (input: GetItemCommandInput) => new GetItemCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  updateItem: run(
    (input: UpdateItemCommandInput) => new UpdateItemCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  deleteItem: run(
    (input: DeleteItemCommandInput) => new DeleteItemCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  query: run(
    (input: QueryCommandInput) => new QueryCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  createTable: run(
    (input: CreateTableCommandInput) => new CreateTableCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  describeTable: run(
    (input: DescribeTableCommandInput) => new DescribeTableCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  describeTimeToLive: run(
    (input: DescribeTimeToLiveCommandInput) => new DescribeTimeToLiveCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  ),
  updateTimeToLive: run(
    (input: UpdateTimeToLiveCommandInput) => new UpdateTimeToLiveCommand(input),
    (c, command, abortSignal) => c.send(command, { abortSignal })
  )
}

type Attempt =
  | ConditionFailed
  | { readonly _tag: "Sdk"; readonly error: unknown; readonly classified: Classified }
  | { readonly _tag: "TimedOut" }

// A refused condition is an answer (contention looks like this), not a failed request: its span is no error.
const isConditionFailed = (error: unknown): boolean => error instanceof ConditionFailed

/** Sends requests on one client for one table. */
export interface Requester {
  readonly table: string
  /**
   * Sends a command. `idempotent`: whether resending it after an unknown outcome is harmless (reads are,
   * conditional writes are not). A failed condition is `ConditionFailed`, every other failure a `StoreError`.
   */
  readonly send: <Out>(
    operation: string,
    idempotent: boolean,
    run: Run<Out>
  ) => Effect.Effect<Out, StoreError | ConditionFailed>
  /** Sends a request that has no condition. */
  readonly sendUnconditional: <Out>(
    operation: string,
    idempotent: boolean,
    run: Run<Out>
  ) => Effect.Effect<Out, StoreError>
}

const conditionItem = (error: unknown): Option.Option<Record<string, AttributeValue>> => {
  const item = (error as { readonly Item?: Record<string, AttributeValue> }).Item
  return item !== undefined && Object.keys(item).length > 0 ? Option.some(item) : Option.none()
}

// A StoreError reason as a metric tag value: TableNotFound is table_not_found.
const snakeCase = (reason: string): string => reason.replace(/(?<=[a-z])(?=[A-Z])/g, "_").toLowerCase()

/** `dynalock_store_requests_total` tagged for one operation, looked up once per operation and outcome. */
const countersFor = (() => {
  const made = new Map<
    string,
    { readonly ok: Metric.Metric.Counter<number>; readonly failed: (failure: Attempt) => Metric.Metric.Counter<number> }
  >()
  return (operation: string) => {
    let counters = made.get(operation)
    if (counters === undefined) {
      const byOutcome = new Map<string, Metric.Metric.Counter<number>>()
      const tagged = (outcome: string) => {
        let counter = byOutcome.get(outcome)
        if (counter === undefined) {
          counter = Observability.tagged(Observability.storeRequests, { operation, outcome })
          byOutcome.set(outcome, counter)
        }
        return counter
      }
      counters = {
        ok: tagged("ok"),
        failed: (failure) =>
          tagged(
            failure._tag === "ConditionFailed"
              ? "condition_failed"
              : failure._tag === "TimedOut"
                ? "timeout"
                : snakeCase(failure.classified.reason)
          )
      }
      made.set(operation, counters)
    }
    return counters
  }
})()

/** A requester over an acquired client. */
export const makeRequester = (
  client: Either.Either<DynamoDBClient, unknown>,
  table: string,
  settings: RequestSettings
): Requester => {
  const timeoutMillis = Math.max(1, Math.ceil(Duration.toMillis(settings.timeout)))
  const toFailure = (failure: AttemptFailure): Attempt =>
    failure._tag === "TimedOut"
      ? failure
      : (failure.error as { readonly name?: unknown } | null)?.name === "ConditionalCheckFailedException"
        ? new ConditionFailed({ item: conditionItem(failure.error) })
        : { _tag: "Sdk", error: failure.error, classified: classify(failure.error) }
  const toError = (operation: string, failure: Attempt): StoreError | ConditionFailed => {
    switch (failure._tag) {
      case "ConditionFailed":
        return failure
      case "TimedOut":
        return new StoreError({
          operation,
          reason: "Timeout",
          applied: "unknown",
          cause: new Cause.TimeoutException(`no answer within ${Duration.format(settings.timeout)}`),
          detail: `no answer from DynamoDB within ${Duration.format(settings.timeout)} (table "${table}")`
        })
      case "Sdk":
        return toStoreError(operation, table, failure.error, failure.classified)
    }
  }
  const send = <Out>(
    operation: string,
    idempotent: boolean,
    run: Run<Out>
  ): Effect.Effect<Out, StoreError | ConditionFailed> =>
    Either.match(client, {
      onLeft: (error) => Effect.fail(toStoreError(operation, table, error)),
      onRight: (client) => {
        const counters = countersFor(operation)
        const retriable = (failure: Attempt): boolean => {
          switch (failure._tag) {
            case "ConditionFailed":
              return false
            case "TimedOut":
              return idempotent
            case "Sdk":
              return (
                failure.classified.retry === "Always" || (idempotent && failure.classified.retry === "IfIdempotent")
              )
          }
        }
        // Every attempt counts, before retries: throttles and refused conditions are what contention looks like.
        const counted = attemptOnce(client, run, timeoutMillis).pipe(
          Effect.matchEffect({
            onFailure: (raw) => {
              const failure = toFailure(raw)
              return Effect.zipRight(Observability.increment(counters.failed(failure)), Effect.fail(failure))
            },
            onSuccess: (out) => Effect.as(Observability.increment(counters.ok), out)
          })
        )
        // The retry schedule is started only once an attempt failed: most requests succeed at once, and starting
        // a schedule costs more than the rest of the request's own work.
        const retried = (first: Attempt): Effect.Effect<Out, Attempt> =>
          Effect.flatMap(Schedule.driver(settings.retry), (driver) => {
            const after = (failure: Attempt): Effect.Effect<Out, Attempt> =>
              retriable(failure)
                ? Effect.matchEffect(driver.next(failure), {
                    onFailure: () => Effect.fail(failure),
                    onSuccess: () => Effect.catchAll(counted, after)
                  })
                : Effect.fail(failure)
            return after(first)
          })
        return counted.pipe(
          Effect.catchAll((first) => (retriable(first) ? retried(first) : Effect.fail(first))),
          Effect.mapError((failure) => toError(operation, failure)),
          Observability.requestSpan(`DynamoDB.${operation}`, { table }, isConditionFailed)
        )
      }
    })
  return {
    table,
    send,
    sendUnconditional: (operation, idempotent, run) =>
      send(operation, idempotent, run).pipe(
        Effect.catchTag("ConditionFailed", () =>
          Effect.dieMessage(`${operation} without a condition failed its condition`)
        )
      )
  }
}
