/**
 * A DynamoDB client that counts the requests sent through it, by operation. DynamoStore leaves a client passed in
 * alone and turns the SDK's own retries off per command, so one counted command is one billed request.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb"
import type { DynamoDBClientConfig } from "@aws-sdk/client-dynamodb"

export interface CountingClient {
  readonly client: DynamoDBClient
  /** Requests so far, by operation name ("GetItem", "UpdateItem", ...). */
  readonly counts: Record<string, number>
  readonly total: () => number
}

export const countingClient = (config: DynamoDBClientConfig): CountingClient => {
  const client = new DynamoDBClient(config)
  const counts: Record<string, number> = {}
  client.middlewareStack.add(
    (next, context) => (args) => {
      const operation = String(context.commandName ?? "unknown").replace(/Command$/, "")
      counts[operation] = (counts[operation] ?? 0) + 1
      return next(args)
    },
    { step: "initialize", name: "dynalockBenchRequestCounter" }
  )
  return { client, counts, total: () => Object.values(counts).reduce((sum, n) => sum + n, 0) }
}

/** The client configuration of a local server (neither dynalite nor DynamoDB Local checks credentials). */
export const localConfig = (endpoint: string): DynamoDBClientConfig => ({
  endpoint,
  region: "local",
  credentials: { accessKeyId: "local", secretAccessKey: "local" }
})
