/** One attempt of a request: sent with an abort signal that fires when its time is up or its fiber is interrupted. */
import { Effect } from "effect"
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb"

/**
 * The abort signal the SDK's HTTP handlers read (`aborted`, `reason`, `onabort` or the listener methods): all of
 * `@smithy/types`' `AbortSignal`. A real `AbortController` costs more than the rest of our work on a request.
 */
class RequestSignal {
  aborted = false
  reason: unknown = undefined
  onabort: ((this: RequestSignal, event: unknown) => void) | null = null
  private listeners: Array<() => void> | undefined
  addEventListener(_type: "abort", listener: () => void): void {
    ;(this.listeners ??= []).push(listener)
  }
  removeEventListener(_type: "abort", listener: () => void): void {
    this.listeners = this.listeners?.filter((existing) => existing !== listener)
  }
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    for (const listener of this.listeners ?? []) listener()
    this.onabort?.call(this, { type: "abort" })
  }
}

/** One attempt: the client, and the signal to pass to `client.send`. */
export type Run<Out> = (client: DynamoDBClient, signal: AbortSignal) => Promise<Out>

/** How an attempt ended without an answer: its own time ran out, or the SDK failed with `error`. */
export type AttemptFailure = { readonly _tag: "TimedOut" } | { readonly _tag: "Failed"; readonly error: unknown }

const timedOut: AttemptFailure = { _tag: "TimedOut" }

/**
 * Sends once. The request aborts itself when `timeoutMillis` are up: a timeout by interruption would never come
 * for a request that must not be interrupted (a claim whose outcome must be known), and would cost a fiber each.
 * Interrupting the fiber aborts the request too.
 */
export const attemptOnce = <Out>(
  client: DynamoDBClient,
  run: Run<Out>,
  timeoutMillis: number
): Effect.Effect<Out, AttemptFailure> =>
  Effect.async<Out, AttemptFailure>((resume) => {
    const signal = new RequestSignal()
    const timer = setTimeout(() => signal.abort(timedOut), timeoutMillis)
    run(client, signal as unknown as AbortSignal).then(
      (out) => {
        clearTimeout(timer)
        resume(Effect.succeed(out))
      },
      (error: unknown) => {
        clearTimeout(timer)
        resume(Effect.fail(signal.reason === timedOut ? timedOut : { _tag: "Failed", error }))
      }
    )
    return Effect.sync(() => {
      clearTimeout(timer)
      signal.abort("interrupted")
    })
  })
