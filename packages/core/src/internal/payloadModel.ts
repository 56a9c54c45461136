/**
 * The payload model of the storage contract, re-exported by `Storage`. Declared here so that the internals that
 * measure and convert payloads (imported by `Storage` itself) need not import `Storage` back.
 */

/**
 * A value that maps onto a native DynamoDB attribute (M, L, S, N, BOOL, NULL, B).
 *
 * @since 0.1.0
 * @category models
 */
export type NativeValue =
  null | boolean | number | string | Uint8Array | ReadonlyArray<NativeValue> | { readonly [key: string]: NativeValue }

/**
 * The `payload` attribute of an item.
 * - `Bytes`: a `B` attribute (what `put` writes).
 * - `Text`: an `S` attribute (Go dynalock's base64 `WriteWithBytes`, or a schema value encoded to a string).
 * - `Native`: any other attribute (M, L, N, BOOL, NULL), as written by `forSchema`.
 *
 * @since 0.1.0
 * @category models
 */
export type Payload =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array }
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Native"; readonly value: NativeValue }
