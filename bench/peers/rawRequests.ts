/**
 * The raw SDK side of the comparison: the floor of a lock cycle (a conditional Put and a conditional Delete,
 * nothing else), and a client that records what a library sent so that the very same request can be sent raw.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb"
import type {
  DynamoDBClient,
  GetItemCommandInput,
  PutItemCommandInput,
  UpdateItemCommandInput
} from "@aws-sdk/client-dynamodb"
import { Effect } from "effect"

/** One lock cycle with nothing but the two writes it needs: create if absent, delete if still ours. */
export const rawLockCycle = (
  client: DynamoDBClient,
  table: string,
  partition: string,
  key: string,
  owner: string
): Effect.Effect<void> =>
  Effect.promise(async () => {
    const Key = { id: { S: partition }, name: { S: key } }
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: { ...Key, owner: { S: owner } },
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": "id" }
      })
    )
    await client.send(
      new DeleteItemCommand({
        TableName: table,
        Key,
        ConditionExpression: "#owner = :owner",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":owner": { S: owner } }
      })
    )
  })

/** A request as a library sent it: its operation and its input, ready to be sent again raw. */
export interface RecordedRequest {
  readonly operation: string
  readonly input: unknown
}

const replayable: Record<string, (client: DynamoDBClient, input: unknown) => Promise<unknown>> = {
  GetItem: (client, input) => client.send(new GetItemCommand(input as GetItemCommandInput)),
  PutItem: (client, input) => client.send(new PutItemCommand(input as PutItemCommandInput)),
  UpdateItem: (client, input) => client.send(new UpdateItemCommand(input as UpdateItemCommandInput))
}

/** Records the requests `client` sends (the last one is kept), at the "initialize" step: the command's input. */
export const recordRequests = (client: DynamoDBClient): { readonly last: () => RecordedRequest | undefined } => {
  let last: RecordedRequest | undefined
  client.middlewareStack.add(
    (next, context) => (args) => {
      last = { operation: String(context.commandName ?? "unknown").replace(/Command$/, ""), input: args.input }
      return next(args)
    },
    { step: "initialize", name: "dynalockBenchRequestRecorder" }
  )
  return { last: () => last }
}

/** Sends a recorded request again, with a raw client; a defect for an operation this benchmark does not replay. */
export const replay = (client: DynamoDBClient, request: RecordedRequest): Effect.Effect<void> =>
  Effect.suspend(() => {
    const send = replayable[request.operation]
    if (send === undefined) return Effect.dieMessage(`cannot replay ${request.operation}`)
    return Effect.asVoid(Effect.promise(() => send(client, request.input)))
  })
