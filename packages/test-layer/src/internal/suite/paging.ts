/** Partitions larger than one query page (DynamoDB pages end at 1 MB): list reads every page, stream lazily. */
import { assert, describe } from "@effect/vitest"
import type { Storage } from "@dynalock/core"
import { Chunk, Effect, Ref, Stream } from "effect"
import { assertBytes, keysOf, patternBytes } from "./assertions.js"
import type { SuiteContext } from "./context.js"

// 5 x 300 KB = 1.5 MB: at least two pages on every backend (a page takes items while it holds under 1 MB, so
// 4 x 300 KB could still fit one page).
const bigKeys = ["big/1", "big/2", "big/3", "big/4", "big/5"]
const bigValue = (index: number) => patternBytes(300_000, index + 1)

/** The same storage, counting the query pages read through it. */
const countingPages = (storage: Storage.Storage) =>
  Effect.map(Ref.make(0), (pages) => ({
    pages,
    storage: {
      ...storage,
      query: (request: Storage.QueryRequest) =>
        Effect.zipRight(
          Ref.update(pages, (n) => n + 1),
          storage.query(request)
        )
    }
  }))

/** Registers the tests of partitions over one query page; stream laziness. */
export const pagingTests = <R>({ fresh, storeOver, test }: SuiteContext<R>): void => {
  describe("paging beyond one page", () => {
    const filled = Effect.gen(function* () {
      const client = yield* fresh
      // Written out of order, with small neighbours before and after the big ones.
      yield* client.store.put("a/small", "before")
      for (const index of [3, 0, 4, 2, 1]) yield* client.store.put(bigKeys[index]!, bigValue(index))
      yield* client.store.put("c/small", "after")
      const counted = yield* countingPages(client.storage)
      return { ...client, pages: counted.pages, counted: yield* storeOver(counted.storage) }
    })

    test(
      "list reads every page: all items of a partition over 1 MB, in key order, values intact",
      () =>
        Effect.gen(function* () {
          const { counted, pages } = yield* filled
          const all = yield* counted.list("")
          assert.deepStrictEqual(keysOf(all), ["a/small", ...bigKeys, "c/small"])
          bigKeys.forEach((key, index) => assertBytes(all[index + 1]!.value, bigValue(index), `value of ${key}`))
          assert.isAtLeast(yield* Ref.get(pages), 2, "a partition over 1 MB takes more than one page")
          const big = yield* counted.list("big/")
          assert.deepStrictEqual(keysOf(big), bigKeys)
        }),
      60_000
    )

    test(
      "stream is lazy: taking one item reads one page; reading it all gives what list gives",
      () =>
        Effect.gen(function* () {
          const { counted, pages } = yield* filled
          const first = yield* Stream.runCollect(Stream.take(counted.stream(""), 1))
          assert.deepStrictEqual(keysOf(Chunk.toReadonlyArray(first)), ["a/small"])
          assert.strictEqual(yield* Ref.get(pages), 1, "take(1) must read one page only")
          const streamed = Chunk.toReadonlyArray(yield* Stream.runCollect(counted.stream("big/")))
          assert.deepStrictEqual(keysOf(streamed), bigKeys)
          streamed.forEach((pair, index) => assertBytes(pair.value, bigValue(index), `value of ${pair.key}`))
          assert.isAtLeast(yield* Ref.get(pages), 3, "streaming 1.5 MB reads more than one page")
        }),
      60_000
    )
  })
}
