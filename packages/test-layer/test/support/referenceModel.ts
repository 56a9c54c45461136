/**
 * A plain reference model of the key/value store, written from API.md's semantics alone (no core code): a Map of
 * items and a clock. The property test checks that the real store gives the same answers.
 *
 * One reading of API.md is spelled out here: an expired item is invisible but still exists until deleted
 * (DynamoDB's TTL deletion is only garbage collection), so a write over it continues its version.
 */

/** An item as the model holds it. */
interface Item {
  readonly value: string
  readonly version: number
  /** Epoch milliseconds; null = never expires. */
  readonly expiresAt: number | null
}

/** What a caller sees of an item. */
export interface PairView {
  readonly key: string
  readonly version: number
  readonly expires: number | null
  readonly value: string
}

/** What a successful operation answers. */
export type Answer = PairView | ReadonlyArray<PairView> | boolean | null

/** The answer to one operation: a value, or the tag of the failure. */
export type Outcome =
  { readonly ok: Answer } | { readonly error: "KeyNotFound" | "KeyExists" | "KeyModified" | "InvalidInput" }

/** The operations the property test generates. `previous` is a version number, already resolved. */
export type Operation =
  | { readonly op: "put"; readonly key: string; readonly value: string; readonly ttl?: number }
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "exists"; readonly key: string }
  | { readonly op: "delete"; readonly key: string }
  | {
      readonly op: "atomicPut"
      readonly key: string
      readonly value: string
      readonly ttl?: number
      readonly previous?: number
    }
  | { readonly op: "atomicDelete"; readonly key: string; readonly previous: number }
  | { readonly op: "list"; readonly prefix: string }
  | { readonly op: "advance"; readonly millis: number }

const encoder = new TextEncoder()

const byUtf8 = (a: string, b: string): number => {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

const wellFormed = (text: string): boolean => !/\p{Cs}/u.test(text)

export class ReferenceModel {
  private readonly items = new Map<string, Item>()

  constructor(private now: number) {}

  private live(key: string): Item | undefined {
    const item = this.items.get(key)
    return item !== undefined && (item.expiresAt === null || item.expiresAt > this.now) ? item : undefined
  }

  private view(key: string, item: Item): PairView {
    return { key, version: item.version, expires: item.expiresAt, value: item.value }
  }

  private write(key: string, value: string, ttl: number | undefined): Outcome {
    const version = (this.items.get(key)?.version ?? 0) + 1
    const item: Item = { value, version, expiresAt: ttl === undefined ? null : this.now + ttl }
    this.items.set(key, item)
    return { ok: this.view(key, item) }
  }

  private static invalid(op: Operation): boolean {
    if ("key" in op && (op.key.length === 0 || !wellFormed(op.key))) return true
    if ("value" in op && !wellFormed(op.value)) return true
    if ("ttl" in op && op.ttl !== undefined && !(op.ttl > 0)) return true
    return false
  }

  apply(op: Operation): Outcome {
    if (ReferenceModel.invalid(op)) return { error: "InvalidInput" }
    switch (op.op) {
      case "put":
        return this.write(op.key, op.value, op.ttl)
      case "get": {
        const item = this.live(op.key)
        return item === undefined ? { error: "KeyNotFound" } : { ok: this.view(op.key, item) }
      }
      case "exists":
        return { ok: this.live(op.key) !== undefined }
      case "delete":
        this.items.delete(op.key)
        return { ok: null }
      case "atomicPut": {
        const item = this.live(op.key)
        if (op.previous === undefined)
          return item === undefined ? this.write(op.key, op.value, op.ttl) : { error: "KeyExists" }
        return item !== undefined && item.version === op.previous
          ? this.write(op.key, op.value, op.ttl)
          : { error: "KeyModified" }
      }
      case "atomicDelete": {
        const item = this.live(op.key)
        if (item === undefined) return { error: "KeyNotFound" }
        if (item.version !== op.previous) return { error: "KeyModified" }
        this.items.delete(op.key)
        return { ok: null }
      }
      case "list":
        return {
          ok: [...this.items.keys()]
            .filter((key) => key.startsWith(op.prefix) && this.live(key) !== undefined)
            .sort(byUtf8)
            .map((key) => this.view(key, this.items.get(key)!))
        }
      case "advance":
        this.now += op.millis
        return { ok: null }
    }
  }
}
