/** The key/value semantics, once, over the storage contract and raw payloads. The byte-valued
 *  `KeyValueStore` and the schema-valued `SchemaStore` are thin views of this. */
import { Chunk, Clock, Effect, Option, Stream } from "effect"
import { InvalidInput, KeyExists, KeyModified, KeyNotFound } from "../Errors.js"
import type { StoreError } from "../Errors.js"
import type { PreviousPair } from "../KVPair.js"
import type { AtomicPutOptions, ReadOptions, WriteOptions } from "../KeyValueStore.js"
import { always, isExpired, liveVersion, notLive } from "../Storage.js"
import type { Condition, Payload, Storage, StoredItem } from "../Storage.js"
import { payloadSize } from "./itemSize.js"
import { maxPayloadBytes, partitionProblem, validateDuration, validateKey, validatePrefix } from "./validation.js"

/** A payload computed from the caller's value; its own validation may fail. */
export type PayloadInput = (key: string) => Effect.Effect<Payload, InvalidInput>

export interface PayloadStore {
  readonly partition: string
  readonly table: string
  readonly get: (
    key: string,
    options?: ReadOptions
  ) => Effect.Effect<StoredItem, KeyNotFound | InvalidInput | StoreError>
  readonly exists: (key: string, options?: ReadOptions) => Effect.Effect<boolean, InvalidInput | StoreError>
  readonly put: (
    key: string,
    payload: PayloadInput,
    options?: WriteOptions
  ) => Effect.Effect<StoredItem, InvalidInput | StoreError>
  readonly delete: (key: string) => Effect.Effect<void, InvalidInput | StoreError>
  /** Every page read eagerly: a loop of queries, without the cost of stream machinery per call. */
  readonly list: (prefix: string, options?: ReadOptions) => Effect.Effect<Array<StoredItem>, InvalidInput | StoreError>
  readonly stream: (prefix: string, options?: ReadOptions) => Stream.Stream<StoredItem, InvalidInput | StoreError>
  readonly atomicPut: (
    key: string,
    payload: PayloadInput,
    options?: AtomicPutOptions
  ) => Effect.Effect<StoredItem, KeyExists | KeyModified | InvalidInput | StoreError>
  readonly atomicDelete: (
    key: string,
    previous: PreviousPair
  ) => Effect.Effect<void, KeyNotFound | KeyModified | InvalidInput | StoreError>
}

const consistentRead = (options: ReadOptions | undefined): boolean => options?.consistent !== false

/** The storage contract's answer to an applied update always carries the new item. */
const appliedItem = (item: Option.Option<StoredItem>, key: string): Effect.Effect<StoredItem> =>
  Option.match(item, {
    onNone: () => Effect.dieMessage(`storage contract broken: applied update of ${key} returned no item`),
    onSome: Effect.succeed
  })

export const makePayloadStore = (storage: Storage): PayloadStore => {
  const { partition } = storage
  const problem = partitionProblem(partition, storage.table)
  const usable: Effect.Effect<void, InvalidInput> = Option.match(problem, {
    onNone: () => Effect.void,
    onSome: (error) => Effect.fail(error)
  })
  const checkedKey = (key: string) => Effect.zipRight(usable, validateKey(key))

  const liveAt = (item: Option.Option<StoredItem>, now: number): Option.Option<StoredItem> =>
    Option.filter(item, (found) => !isExpired(found, now))

  const expiryFor = (key: string, options: WriteOptions | undefined, now: number) =>
    options?.ttl === undefined
      ? Effect.succeed(Option.none<number>())
      : Effect.map(validateDuration("ttl", options.ttl, key), (millis) => Option.some(now + millis))

  const checkedPayload = (key: string, input: PayloadInput) =>
    Effect.flatMap(input(key), (payload) => {
      const size = payloadSize(payload)
      const max = maxPayloadBytes(partition, key)
      return size > max
        ? Effect.fail(
            new InvalidInput({ message: `value is ${size} bytes, at most ${max} fit in one item with this key`, key })
          )
        : Effect.succeed(payload)
    })

  const checkedPrevious = (key: string, previous: PreviousPair) =>
    previous === null || typeof previous !== "object" || previous.key !== key || previous.partition !== partition
      ? Effect.fail(new InvalidInput({ message: "previous is not an item of this key and partition", key }))
      : Number.isSafeInteger(previous.version) && previous.version > 0
        ? Effect.succeed(previous.version)
        : Effect.fail(new InvalidInput({ message: "previous.version must be a positive integer", key }))

  const write = (
    key: string,
    input: PayloadInput,
    options: WriteOptions | undefined,
    condition: (now: number) => Condition
  ) =>
    Effect.gen(function* () {
      const validKey = yield* checkedKey(key)
      const payload = yield* checkedPayload(validKey, input)
      const now = yield* Clock.currentTimeMillis
      const expiresAt = yield* expiryFor(validKey, options, now)
      return yield* storage.update({ key: validKey, condition: condition(now), payload, expiresAt })
    })

  const get = (key: string, options?: ReadOptions) =>
    Effect.gen(function* () {
      const validKey = yield* checkedKey(key)
      const item = yield* storage.get(validKey, consistentRead(options))
      const now = yield* Clock.currentTimeMillis
      return yield* Option.match(liveAt(item, now), {
        onNone: () => Effect.fail(new KeyNotFound({ key: validKey })),
        onSome: Effect.succeed
      })
    })

  /** One page of live items; expiry is judged when the page arrives. */
  const readPage = (prefix: string, consistent: boolean, after: Option.Option<string>) =>
    Effect.gen(function* () {
      const page = yield* storage.query({ prefix, consistent, after })
      const now = yield* Clock.currentTimeMillis
      return { live: page.items.filter((item) => !isExpired(item, now)), next: page.next }
    })

  const checkedPrefix = (prefix: string) => Effect.zipRight(usable, validatePrefix(prefix))

  const streamPages = (prefix: string, consistent: boolean) =>
    Stream.paginateChunkEffect(Option.none<string>(), (after) =>
      Effect.map(
        readPage(prefix, consistent, after),
        ({ live, next }) => [Chunk.unsafeFromArray(live), Option.map(next, Option.some)] as const
      )
    )

  const listPages = (
    prefix: string,
    consistent: boolean,
    after: Option.Option<string>,
    into: Array<StoredItem>
  ): Effect.Effect<Array<StoredItem>, StoreError> =>
    Effect.flatMap(readPage(prefix, consistent, after), ({ live, next }) => {
      into.push(...live)
      return Option.isSome(next) ? listPages(prefix, consistent, next, into) : Effect.succeed(into)
    })

  return {
    partition,
    table: storage.table,
    get,
    exists: (key, options) =>
      get(key, options).pipe(
        Effect.as(true),
        Effect.catchTag("KeyNotFound", () => Effect.succeed(false))
      ),
    put: (key, input, options) =>
      write(key, input, options, () => always).pipe(
        Effect.flatMap((outcome) =>
          outcome._tag === "Applied"
            ? appliedItem(outcome.item, key)
            : Effect.dieMessage("storage contract broken: unconditional update rejected")
        )
      ),
    delete: (key) =>
      Effect.flatMap(checkedKey(key), (validKey) => storage.delete({ key: validKey, condition: always })).pipe(
        Effect.asVoid
      ),
    list: (prefix, options) =>
      Effect.flatMap(checkedPrefix(prefix), (valid) => listPages(valid, consistentRead(options), Option.none(), [])),
    stream: (prefix, options) =>
      Stream.unwrap(Effect.map(checkedPrefix(prefix), (valid) => streamPages(valid, consistentRead(options)))),
    atomicPut: (key, input, options) =>
      Effect.gen(function* () {
        const previousVersion =
          options?.previous === undefined
            ? Option.none<number>()
            : Option.some(yield* checkedPrevious(key, options.previous))
        const outcome = yield* write(key, input, options, (now) =>
          Option.match(previousVersion, {
            onNone: (): Condition => notLive(now),
            onSome: (version): Condition => liveVersion(version, now)
          })
        )
        if (outcome._tag === "Applied") return yield* appliedItem(outcome.item, key)
        return yield* Option.isNone(previousVersion)
          ? Effect.fail(new KeyExists({ key }))
          : Effect.fail(new KeyModified({ key }))
      }),
    atomicDelete: (key, previous) =>
      Effect.gen(function* () {
        const validKey = yield* checkedKey(key)
        const version = yield* checkedPrevious(validKey, previous)
        const now = yield* Clock.currentTimeMillis
        const outcome = yield* storage.delete({ key: validKey, condition: liveVersion(version, now) })
        if (outcome._tag === "Applied") return
        return yield* Option.isNone(liveAt(outcome.current, now))
          ? Effect.fail(new KeyNotFound({ key: validKey }))
          : Effect.fail(new KeyModified({ key: validKey }))
      })
  }
}
