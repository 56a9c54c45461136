/**
 * An in-memory stand-in for one DynamoDB table: items keyed by partition and key, every conditional write
 * atomic, queries in DynamoDB's key order with 1 MB pages. Shareable by many stores, like a real table.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Option } from "effect"
import { Storage, StoreError, Table } from "@dynalock/core"

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

const noExpiry = (key: string) =>
  new StoreError({
    operation: "update",
    reason: "Validation",
    cause: new Error("a versioned update must set expiresAt"),
    detail: `the update of ${key} bumps the version but does not say its expiry`
  })

const noLine = (key: string) =>
  new StoreError({
    operation: "update",
    reason: "Validation",
    cause: new Error("The document path provided in the update expression is invalid for update"),
    detail: `item ${key} has no line to change an entry of`
  })

// Callers must not share mutable bytes with the table, as they cannot with DynamoDB. Everything else in an item is
// immutable, so only byte arrays are copied (structuredClone of a whole payload cost more than the rest of a get).
const copyNative = (value: Storage.NativeValue): Storage.NativeValue => {
  if (value instanceof Uint8Array) return value.slice()
  if (Array.isArray(value)) return value.map(copyNative)
  if (value !== null && typeof value === "object") {
    const out: Record<string, Storage.NativeValue> = {}
    for (const [name, element] of Object.entries(value)) out[name] = copyNative(element)
    return out
  }
  return value
}

const copyPayload = (payload: Storage.Payload): Storage.Payload => {
  switch (payload._tag) {
    case "Bytes":
      return { _tag: "Bytes", bytes: payload.bytes.slice() }
    case "Native":
      return { _tag: "Native", value: copyNative(payload.value) }
    default:
      return payload
  }
}

const copy = (item: Storage.StoredItem): Storage.StoredItem => ({ ...item, payload: copyPayload(item.payload) })

/**
 * One in-memory table.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryTable extends Table.TableService {
  /** Number of items (live or expired) in a partition, for tests. */
  readonly size: (partition: string) => number
  /**
   * Writes an item as Go dynalock does, for tests of sharing a table with it: the version goes up, the expiry
   * (kept to whole seconds, as Go keeps it) and payload are set when given, every lock attribute is left as it
   * was, and the item becomes `foreign`.
   */
  readonly writeForeign: (
    partition: string,
    key: string,
    changes: { readonly expiresAt?: number; readonly payload?: Storage.Payload }
  ) => Effect.Effect<Storage.StoredItem>
}

/**
 * A fresh, empty table.
 *
 * @since 0.1.0
 * @category constructors
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
  // The expiry Go dynalock would read (`expires`), where a write set it apart from `expiresAt`.
  const foreignExpiries = new Map<string, number>()
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
          if (request.bump !== false && request.expiresAt === undefined) return Effect.fail(noExpiry(request.key))
          // DynamoDB refuses to change an entry of a list the item does not have.
          const changesEntry = (change: Storage.LineUpdate | undefined, length: (item: Storage.StoredItem) => number) =>
            (change?._tag === "Replace" || change?._tag === "Remove") &&
            Option.getOrElse(Option.map(before, length), () => 0) === 0
          if (
            changesEntry(request.line, (item) => item.lock.line.length) ||
            changesEntry(request.holders, (item) => item.lock.holders.length)
          ) {
            return Effect.fail(noLine(request.key))
          }
          const after = Storage.applyUpdate(before, {
            ...request,
            payload: request.payload && copyPayload(request.payload)
          })
          // DynamoDB refuses such a write whole; core never sends one, but other writers through the contract may.
          const size = Storage.itemSize(partition, after)
          if (size > Storage.maxItemBytes) return Effect.fail(tooLarge(request.key, size))
          items.set(request.key, after)
          if (request.expiresAt !== undefined) {
            const shown = request.foreignExpiresAt
            if (Option.isSome(request.expiresAt) && shown !== undefined)
              foreignExpiries.set(`${partition}\u0000${request.key}`, shown)
            else foreignExpiries.delete(`${partition}\u0000${request.key}`)
          }
          return Effect.succeed({ _tag: "Applied", item: Option.some(copy(after)) })
        }),
      delete: (request) =>
        Effect.sync((): Storage.WriteOutcome => {
          const before = current(request.key)
          if (!Storage.conditionHolds(request.condition, before)) {
            return { _tag: "Rejected", current: Option.map(before, copy) }
          }
          items.delete(request.key)
          foreignExpiries.delete(`${partition}\u0000${request.key}`)
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
          return {
            items: page,
            next: page.length < keys.length && last !== undefined ? Option.some(last.key) : Option.none()
          }
        })
    }
  }
  const writeForeign: MemoryTable["writeForeign"] = (partition, key, changes) =>
    Effect.sync(() => {
      const items = itemsOf(partition)
      const before = items.get(key)
      const shown = foreignExpiries.get(`${partition}\u0000${key}`)
      foreignExpiries.delete(`${partition}\u0000${key}`)
      const readByGo = shown === undefined ? (before?.expiresAt ?? Option.none()) : Option.some(shown)
      const after: Storage.StoredItem = {
        key,
        version: (before?.version ?? 0) + 1,
        expiresAt:
          changes.expiresAt === undefined
            ? Option.map(readByGo, (millis) => Math.ceil(millis / 1000) * 1000)
            : Option.some(Math.floor(changes.expiresAt / 1000) * 1000),
        foreign: true,
        payload: changes.payload ?? before?.payload ?? { _tag: "Empty" },
        lock: before?.lock ?? Storage.noLock
      }
      items.set(key, after)
      return copy(after)
    })
  return { name: "memory", storage, size: (partition) => itemsOf(partition).size, writeForeign }
})

/**
 * A fresh, empty table as the `Table` service.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<Table.Table> = Layer.effect(Table.Table, make)
