/** The storage contract on one DynamoDB table and partition: each operation is one request (plus, on
 *  servers that do not return the rejected item, one consistent read). */
import type { AttributeValue } from "@aws-sdk/client-dynamodb"
import { Effect, Option } from "effect"
import { StoreError } from "@dynalock/core"
import type { Storage } from "@dynalock/core"
import { requests } from "./client.js"
import type { ConditionFailed, Requester } from "./client.js"
import { conditionExpression, keyCondition, placeholders, updateExpression } from "./expressions.js"
import { attributes, decodeItem, decodeOptional, itemKey } from "./itemCodec.js"

// Building a request marshals caller data; a value the marshaller refuses is reported, never thrown.
const build = <A>(operation: string, make: () => A): Effect.Effect<A, StoreError> =>
  Effect.try({
    try: make,
    catch: (error) =>
      new StoreError({
        operation,
        reason: "Validation",
        cause: error,
        detail: `request could not be built: ${String(error)}`
      })
  })

/** The storage contract over a requester. */
export const makeStorage = (requester: Requester, partition: string): Storage.Storage => {
  const table = requester.table

  const get = (key: string, consistent: boolean) =>
    build("GetItem", () =>
      requests.getItem({ TableName: table, Key: itemKey(partition, key), ConsistentRead: consistent })
    ).pipe(
      Effect.flatMap((run) => requester.sendUnconditional("GetItem", true, run)),
      Effect.flatMap((output) => decodeOptional("GetItem", output.Item))
    )

  /**
   * The item a failed condition saw. DynamoDB returns it (`ReturnValuesOnConditionCheckFailure`); dynalite
   * does not, and DynamoDB returns nothing for an absent item either: a consistent read then tells which.
   */
  const rejected = (operation: string, key: string) => (failure: ConditionFailed) =>
    Effect.map(
      Option.match(failure.item, {
        onSome: (item) => Effect.asSome(decodeItem(operation, item)),
        onNone: () => get(key, true)
      }),
      (current): Storage.WriteOutcome => ({ _tag: "Rejected", current })
    )

  const withCondition = (
    p: ReturnType<typeof placeholders>,
    condition: Storage.Condition
  ): { readonly ConditionExpression?: string; readonly ReturnValuesOnConditionCheckFailure?: "ALL_OLD" } =>
    Option.match(conditionExpression(p, condition), {
      onNone: () => ({}),
      onSome: (expression) => ({
        ConditionExpression: expression,
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const
      })
    })

  const update = (request: Storage.UpdateRequest) =>
    Effect.flatMap(
      build("UpdateItem", () => {
        const p = placeholders()
        const UpdateExpression = updateExpression(p, request)
        const condition = withCondition(p, request.condition)
        return requests.updateItem({
          TableName: table,
          Key: itemKey(partition, request.key),
          UpdateExpression,
          ...condition,
          ...p.toRequest(UpdateExpression, condition.ConditionExpression),
          ReturnValues: "ALL_NEW"
        })
      }),
      (run) => requester.send("UpdateItem", false, run)
    ).pipe(
      Effect.flatMap((output) =>
        Effect.map(decodeOptional("UpdateItem", output.Attributes), (item): Storage.WriteOutcome => ({
          _tag: "Applied",
          item
        }))
      ),
      Effect.catchTag("ConditionFailed", rejected("UpdateItem", request.key))
    )

  const remove = (request: Storage.DeleteRequest) =>
    Effect.flatMap(
      build("DeleteItem", () => {
        const p = placeholders()
        const condition = withCondition(p, request.condition)
        return requests.deleteItem({
          TableName: table,
          Key: itemKey(partition, request.key),
          ...condition,
          ...p.toRequest(condition.ConditionExpression),
          ReturnValues: "ALL_OLD"
        })
      }),
      (run) => requester.send("DeleteItem", false, run)
    ).pipe(
      Effect.flatMap((output) =>
        Effect.map(decodeOptional("DeleteItem", output.Attributes), (item): Storage.WriteOutcome => ({
          _tag: "Applied",
          item
        }))
      ),
      Effect.catchTag("ConditionFailed", rejected("DeleteItem", request.key))
    )

  const query = (request: Storage.QueryRequest) =>
    Effect.flatMap(
      build("Query", () => {
        const p = placeholders()
        const KeyConditionExpression = keyCondition(p, partition, request.prefix)
        return requests.query({
          TableName: table,
          KeyConditionExpression,
          ...p.toRequest(KeyConditionExpression),
          ConsistentRead: request.consistent,
          ...Option.match(request.after, {
            onNone: () => ({}),
            onSome: (after) => ({ ExclusiveStartKey: itemKey(partition, after) })
          }),
          // Spread, not `Limit: undefined`: the oldest SDK we accept (3.363.0) declares it `Limit?: number` only.
          ...(request.limit === undefined ? {} : { Limit: request.limit })
        })
      }),
      (run) => requester.sendUnconditional("Query", true, run)
    ).pipe(
      Effect.flatMap((output) =>
        Effect.map(
          Effect.forEach(output.Items ?? [], (item) => decodeItem("Query", item)),
          (items): Storage.QueryPage => ({ items, next: lastKey(output.LastEvaluatedKey) })
        )
      )
    )

  return { table, partition, get, update, delete: remove, query }
}

const lastKey = (key: Record<string, AttributeValue> | undefined): Option.Option<string> =>
  Option.fromNullable(key?.[attributes.key]?.S)
