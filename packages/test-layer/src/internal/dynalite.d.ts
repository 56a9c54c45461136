// dynalite ships no type declarations; this is the part of its API LocalDynamo uses.
declare module "dynalite" {
  import type { Server } from "node:http"

  interface DynaliteOptions {
    readonly createTableMs?: number
    readonly deleteTableMs?: number
    readonly updateTableMs?: number
    readonly maxItemSizeKb?: number
    readonly path?: string
    readonly verbose?: boolean
    readonly debug?: boolean
  }

  /** An HTTP server speaking DynamoDB's protocol; `close` also closes its store. */
  function dynalite(options?: DynaliteOptions): Server

  export default dynalite
}
