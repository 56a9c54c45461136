/**
 * dynamodb-lock-client (0.7.3) as a contender: a `FailClosed` client on the AWS SDK v2 DocumentClient, which is
 * what the library takes (its peer dependency is `aws-sdk` ^2). FailClosed writes a lock item with no lease
 * (attribute_not_exists) and deletes it on release; a taken lock is retried every `acquirePeriodMs`. Its config
 * admits no sort key, so its items live in a table keyed by `id` alone, on the same server.
 */
import { Agent } from "node:http"
import { Effect } from "effect"
import DynamoDB from "aws-sdk/clients/dynamodb.js"
import DynamoDBLockClient from "dynamodb-lock-client"
import type { DocumentClientMethods, Lock } from "dynamodb-lock-client"
import type { AWSError } from "aws-sdk/lib/error.js"
import type { Request } from "aws-sdk/lib/request.js"
import type { ContenderClient, ContenderEnvironment, HeldLock } from "./contender.js"

// The v2 SDK prints an end-of-support notice on load, on stderr; this switch is the SDK's own.
process.env["AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE"] = "1"

const tagHeader = "x-dynalock-client"

/**
 * The DocumentClient's get/put/delete, each request tagged for the proxy (at "build", before signing) and
 * counted. Nothing else changes: same parameters, same callbacks, same errors.
 */
const taggedMethods = (
  documents: DynamoDB.DocumentClient,
  tag: string,
  counts: Record<string, number>
): DocumentClientMethods => {
  const send = <D>(
    operation: string,
    request: Request<D, AWSError>,
    callback: (error: AWSError | null, data?: D) => void
  ) => {
    counts[operation] = (counts[operation] ?? 0) + 1
    request.on("build", (built) => {
      built.httpRequest.headers[tagHeader] = tag
    })
    request.send(callback)
  }
  return {
    get: (params, callback) => send("GetItem", documents.get(params as DynamoDB.DocumentClient.GetItemInput), callback),
    put: (params, callback) => send("PutItem", documents.put(params as DynamoDB.DocumentClient.PutItemInput), callback),
    delete: (params, callback) =>
      send("DeleteItem", documents.delete(params as DynamoDB.DocumentClient.DeleteItemInput), callback)
  }
}

export const makeDynamodbLockClient = (acquirePeriodMillis: number) => (environment: ContenderEnvironment) =>
  Effect.gen(function* () {
    // The v2 SDK opens a connection per request unless given a keep-alive agent; v3 keeps them alive by default.
    const agent = yield* Effect.acquireRelease(
      Effect.sync(() => new Agent({ keepAlive: true })),
      (agent) => Effect.sync(() => agent.destroy())
    )
    const documents = new DynamoDB.DocumentClient({
      endpoint: environment.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      httpOptions: { agent }
    })
    const counts: Record<string, number> = {}
    const dynamodb = taggedMethods(documents, environment.tag, counts)
    const locks = new DynamoDBLockClient.FailClosed({
      dynamodb,
      lockTable: environment.hashTable,
      partitionKey: "id",
      acquirePeriodMs: acquirePeriodMillis,
      // Retry for as long as it takes: the contender loop's time limit ends a wait.
      retryCount: Number.MAX_SAFE_INTEGER
    })
    const client: ContenderClient = {
      acquire: (key, timeoutMillis) =>
        Effect.async<Lock>((resume) => {
          locks.acquireLock(`${environment.partition}/${key}`, (error, lock) => {
            resume(error === undefined || error === null ? Effect.succeed(lock) : Effect.die(error))
          })
        }).pipe(
          Effect.timeout(timeoutMillis),
          Effect.map((lock): HeldLock => ({
            token: undefined,
            release: Effect.async<void>((resume) => {
              lock.release((error) => resume(error === undefined || error === null ? Effect.void : Effect.die(error)))
            })
          })),
          Effect.option
        ),
      requests: () => ({ ...counts })
    }
    return client
  })
