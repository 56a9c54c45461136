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

type Attributes = Record<string, { readonly N?: string; readonly S?: string }>

/** The placeholders of the values `condition` compares attribute `name` with, by `operator`. */
const comparedWith = (input: UpdateItemCommandInput, name: string, operator: string): ReadonlyArray<string> => {
  const placeholder = Object.entries(input.ExpressionAttributeNames ?? {}).find(([, value]) => value === name)?.[0]
  if (placeholder === undefined) return []
  const pattern = new RegExp(`${placeholder} ${operator} (:\\w+)`, "g")
  return Array.from((input.ConditionExpression ?? "").matchAll(pattern), (match) => match[1]!)
}

/**
 * dynalock's lock cycle (its claim after its own release, and its release, recorded) sent again raw, again and
 * again, on a key of its own (`key`, which dynalock has locked and released once). That claim is pinned to the
 * version and the expiry the release before it left: each replay pins those the replayed release before it
 * answered with, so that every replayed claim applies, as dynalock's own did.
 */
export const replayedLockCycle = (
  client: DynamoDBClient,
  recorded: { readonly claim: RecordedRequest; readonly release: RecordedRequest },
  key: string
): Effect.Effect<Effect.Effect<void>> =>
  Effect.gen(function* () {
    const onKey = (request: RecordedRequest): UpdateItemCommandInput => {
      const input = request.input as UpdateItemCommandInput
      return { ...input, Key: { ...input.Key, name: { S: key } } }
    }
    const claim = onKey(recorded.claim)
    const release = onKey(recorded.release)
    const versionPin = comparedWith(claim, "version", "=")
    const expiryPins = comparedWith(claim, "expiresMs", "<=")
    if (versionPin.length !== 1 || expiryPins.length !== 2)
      return yield* Effect.dieMessage(`not a claim pinned to a version and an expiry: ${claim.ConditionExpression}`)
    // The two expiry pins are `at` (expired by then) and `at - 1` (not yet): the larger one is `at`.
    const values = claim.ExpressionAttributeValues ?? {}
    const [at, before] = [...expiryPins].sort((a, b) => Number(values[b]?.N) - Number(values[a]?.N))
    const stored = yield* Effect.promise(() =>
      client.send(new GetItemCommand({ TableName: claim.TableName, Key: claim.Key, ConsistentRead: true }))
    )
    let left = (stored.Item ?? {}) as Attributes
    return Effect.promise(async () => {
      const version = Number(left.version?.N)
      const expiresMs = Number(left.expiresMs?.N)
      await client.send(
        new UpdateItemCommand({
          ...claim,
          ExpressionAttributeValues: {
            ...values,
            [versionPin[0]!]: { N: String(version) },
            [at!]: { N: String(expiresMs) },
            [before!]: { N: String(expiresMs - 1) }
          }
        })
      )
      const answer = await client.send(new UpdateItemCommand({ ...release, ReturnValues: "ALL_NEW" }))
      left = (answer.Attributes ?? {}) as Attributes
    })
  })
