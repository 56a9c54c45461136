/** Creating a table in dynalock's (and Go dynalock's) format, idempotently. */
import { Duration, Effect, Schedule } from "effect"
import { Observability, StoreError } from "@dynalock/core"
import { requests } from "./client.js"
import type { Requester } from "./client.js"
import { attributes } from "./itemCodec.js"

const failedWith =
  (name: string) =>
  (error: StoreError): boolean =>
    (error.cause as { readonly name?: unknown } | null | undefined)?.name === name

// Real tables take seconds to become ACTIVE; local servers are immediate.
const activePolls = Schedule.exponential("50 millis", 1.5).pipe(Schedule.union(Schedule.spaced("2 seconds")))
const activeTimeout = Duration.minutes(3)

/**
 * Creates the table (keys `id` and `name`, on-demand billing) unless it exists, waits until it is ACTIVE, and
 * turns TTL on for `expires` (when asked to) where the server supports it.
 */
export const createTable = (requester: Requester, timeToLive: boolean): Effect.Effect<void, StoreError> => {
  const table = requester.table
  const create = requester
    .sendUnconditional(
      "CreateTable",
      false,
      requests.createTable({
        TableName: table,
        AttributeDefinitions: [
          { AttributeName: attributes.partition, AttributeType: "S" },
          { AttributeName: attributes.key, AttributeType: "S" }
        ],
        KeySchema: [
          { AttributeName: attributes.partition, KeyType: "HASH" },
          { AttributeName: attributes.key, KeyType: "RANGE" }
        ],
        BillingMode: "PAY_PER_REQUEST"
      })
    )
    .pipe(
      Effect.asVoid,
      // It exists already (or someone else is creating it): waiting for ACTIVE covers both.
      Effect.catchIf(failedWith("ResourceInUseException"), () => Effect.void)
    )

  const waitActive = requester
    .sendUnconditional("DescribeTable", true, requests.describeTable({ TableName: table }))
    .pipe(
      Effect.map((output) => output.Table?.TableStatus),
      Effect.repeat({ schedule: activePolls, until: (status) => status === "ACTIVE" }),
      Effect.timeoutFail({
        duration: activeTimeout,
        onTimeout: () =>
          new StoreError({
            operation: "CreateTable",
            reason: "Timeout",
            cause: undefined,
            detail: `table "${table}" did not become ACTIVE within ${Duration.format(activeTimeout)}`
          })
      })
    )

  const enableTtl = Effect.gen(function* () {
    const current = yield* requester.sendUnconditional(
      "DescribeTimeToLive",
      true,
      requests.describeTimeToLive({ TableName: table })
    )
    const description = current.TimeToLiveDescription
    if (
      description?.AttributeName === attributes.expires &&
      (description.TimeToLiveStatus === "ENABLED" || description.TimeToLiveStatus === "ENABLING")
    ) {
      return
    }
    yield* requester.sendUnconditional(
      "UpdateTimeToLive",
      false,
      requests.updateTimeToLive({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: attributes.expires, Enabled: true }
      })
    )
  }).pipe(
    // dynalite has no TTL (and always describes it as DISABLED). Expiry is enforced by dynalock itself; TTL only
    // collects the garbage, so a server without it is no error.
    Effect.catchIf(failedWith("UnknownOperationException"), () => Effect.void),
    // Someone enabled it between our read and our write.
    Effect.catchIf(
      (error) => error.reason === "Validation" && /already enabled/i.test(error.detail ?? ""),
      () => Effect.void
    )
  )

  return Effect.all([create, waitActive, timeToLive ? enableTtl : Effect.void], { discard: true }).pipe(
    Observability.span("DynamoStore.createTable", { table })
  )
}
