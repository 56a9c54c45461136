/** The part of dynamodb-lock-client 0.7.3 (plain JavaScript, no types of its own) that the benchmark uses. */
declare module "dynamodb-lock-client" {
  type Callback<T> = (error: (Error & { readonly code?: string }) | null | undefined, data?: T) => void

  /** What the library calls on its `dynamodb` option: the AWS SDK v2 DocumentClient's callback methods. */
  export interface DocumentClientMethods {
    readonly get: (params: object, callback: Callback<unknown>) => void
    readonly put: (params: object, callback: Callback<unknown>) => void
    readonly delete: (params: object, callback: Callback<unknown>) => void
  }

  export interface FailClosedConfig {
    readonly dynamodb: DocumentClientMethods
    readonly lockTable: string
    readonly partitionKey: string
    /** Wait between attempts while the lock is taken. */
    readonly acquirePeriodMs: number
    /** Attempts after the first (default 1). */
    readonly retryCount?: number
    readonly owner?: string
  }

  export interface Lock {
    readonly fencingToken?: number
    release(callback: (error?: Error | null) => void): void
  }

  export class FailClosed {
    constructor(config: FailClosedConfig)
    acquireLock(
      id: string,
      callback: (error: (Error & { readonly code?: string }) | undefined, lock: Lock) => void
    ): void
  }

  const DynamoDBLockClient: { readonly FailClosed: typeof FailClosed }
  export default DynamoDBLockClient
}
