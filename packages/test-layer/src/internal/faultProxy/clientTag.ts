/** Tagging an AWS SDK v3 client's requests, without depending on the SDK: its middleware stack, typed by shape. */
import { clientHeader } from "./handle.js"

/**
 * Any AWS SDK v3 client (e.g. `DynamoDBClient`): one with a middleware stack. Typed by that shape alone, so that
 * this package needs no SDK; `tagClient` uses the stack's "build" step, which every SDK v3 client has.
 *
 * @since 0.2.0
 * @category clients
 */
export interface TaggableClient {
  readonly middlewareStack: {
    add(middleware: never, options: never): void
  }
}

/** The stack's `add`, as the SDK types it for a build-step middleware (only the part used here). */
interface BuildStep {
  add(
    middleware: (
      next: (args: { readonly request: unknown }) => Promise<unknown>
    ) => (args: { readonly request: unknown }) => Promise<unknown>,
    options: { readonly step: "build"; readonly name: string; readonly override: boolean }
  ): void
}

const hasHeaders = (request: unknown): request is { headers: Record<string, string> } =>
  typeof request === "object" &&
  request !== null &&
  typeof (request as { readonly headers?: unknown }).headers === "object" &&
  (request as { readonly headers?: unknown }).headers !== null

/**
 * Makes every request of `client` carry `x-dynalock-client: <tag>`, by which the proxy groups its statistics.
 * Added at the "build" step, before signing: the header is signed like the others, and the proxy forwards it
 * unchanged. Tagging again replaces the tag.
 *
 * @since 0.2.0
 * @category clients
 */
export const tagClient = (client: TaggableClient, tag: string): void =>
  (client.middlewareStack as unknown as BuildStep).add(
    (next) => (args) => {
      if (hasHeaders(args.request)) args.request.headers[clientHeader] = tag
      return next(args)
    },
    { step: "build", name: "dynalockFaultProxyClientTag", override: true }
  )
