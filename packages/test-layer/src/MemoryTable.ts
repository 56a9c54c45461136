/**
 * An in-memory stand-in for one DynamoDB table: items keyed by partition and key, every conditional write
 * atomic, queries in DynamoDB's key order with 1 MB pages. Shareable by many stores, like a real table.
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import { Storage, StoreError } from "@dynalock/core"
import { applyUpdate } from "./internal/applyUpdate.js"

const utf8 = new TextEncoder()

// DynamoDB orders sort keys by their UTF-8 bytes, which differs from JavaScript's UTF-16 order.
const compareKeys = (a: string, b: string): number => Buffer.compare(utf8.encode(a), utf8.encode(b))

const queryPageBytes = 1024 * 1024

const tooLarge = (key: string, size: number) =>
  new StoreError({
    operation: "update",
    reason: "Validation",
    cause: new Error("Item size has exceeded the maximum allowed size"),
    detail: `item ${key} would be ${size} bytes, at most ${Storage.maxItemBytes} allowed`
  })

// Callers must not share mutable bytes with the table, as they cannot with DynamoDB.
const copy = (item: Storage.StoredItem): Storage.StoredItem => ({ ...item, payload: structuredClone(item.payload) })

/**
 * One in-memory table.
 *
 * @since 0.1.0
 */
export interface MemoryTable {
  readonly name: string
  /** The storage contract for one partition of this table. */
  readonly storage: (partition: string) => Storage.Storage
  /** Number of items (live or expired) in a partition, for tests. */
  readonly size: (partition: string) => number
}

/**
 * A fresh, empty table.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<MemoryTable> = Effect.sync(() => {
  const partitions = new Map<string, Map<string, Storage.StoredItem>>()
  const itemsOf = (partition: string) => {
    let items = partitions.get(partition)
    if (items === undefined) {
      items = new Map()
      partitions.set(partition, items)
    }
    return items
  }
  const storage = (partition: string): Storage.Storage => {
    const items = itemsOf(partition)
    const current = (key: string) => Option.fromNullable(items.get(key))
    return {
      table: "memory",
      partition,
      get: (key) => Effect.sync(() => Option.map(current(key), copy)),
      update: (request) =>
        Effect.suspend((): Effect.Effect<Storage.WriteOutcome, StoreError> => {
          const before = current(request.key)
          if (!Storage.conditionHolds(request.condition, before)) {
            return Effect.succeed({ _tag: "Rejected", current: Option.map(before, copy) })
          }
          const after = applyUpdate(before, { ...request, ...(request.payload === undefined ? {} : { payload: structuredClone(request.payload) }) })
          // DynamoDB refuses such a write whole; core never sends one, but other writers through the contract may.
          const size = Storage.itemSize(partition, after)
          if (size > Storage.maxItemBytes) return Effect.fail(tooLarge(request.key, size))
          items.set(request.key, after)
          return Effect.succeed({ _tag: "Applied", item: Option.some(copy(after)) })
        }),
      delete: (request) =>
        Effect.sync((): Storage.WriteOutcome => {
          const before = current(request.key)
          if (!Storage.conditionHolds(request.condition, before)) {
            return { _tag: "Rejected", current: Option.map(before, copy) }
          }
          items.delete(request.key)
          return { _tag: "Applied", item: Option.map(before, copy) }
        }),
      query: (request) =>
        Effect.sync((): Storage.QueryPage => {
          const keys = Array.from(items.keys())
            .filter((key) => key.startsWith(request.prefix))
            .filter((key) => Option.isNone(request.after) || compareKeys(key, request.after.value) > 0)
            .sort(compareKeys)
          const limit = request.limit ?? Number.POSITIVE_INFINITY
          const page: Array<Storage.StoredItem> = []
          let bytes = 0
          for (const key of keys) {
            if (page.length >= limit || bytes >= queryPageBytes) break
            const item = items.get(key)!
            page.push(copy(item))
            bytes += Storage.itemSize(partition, item)
          }
          const last = page[page.length - 1]
          return { items: page, next: page.length < keys.length && last !== undefined ? Option.some(last.key) : Option.none() }
        })
    }
  }
  return { name: "memory", storage, size: (partition) => itemsOf(partition).size }
})
