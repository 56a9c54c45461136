/**
 * Heap taken by key/value items in the memory layer, and what 10k lock cycles leave on the heap and in fibers,
 * measured in a fresh process so that nothing else the benchmark did is on the heap. Run with `--expose-gc`;
 * reports one JSON line.
 */
import { Effect, Fiber } from "effect"
import { MemoryStore } from "@dynalock/test-layer"

const items = Number(process.argv[2] ?? "10000")
const valueBytes = 100
const lockCycles = 10_000

const collect = (): number => {
  const gc = (globalThis as { readonly gc?: () => void }).gc
  if (gc === undefined) throw new Error("run with --expose-gc")
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

const program = Effect.scoped(
  Effect.gen(function* () {
    const { store } = yield* MemoryStore.make()
    const before = collect()
    for (let i = 0; i < items; i++) {
      yield* store.put(`item-${String(i).padStart(6, "0")}`, new Uint8Array(valueBytes).fill(i % 251))
    }
    const after = collect()
    const stored = (yield* store.list("item-")).length

    // Lock cycles on a client of their own, after a warm-up (the JIT's code and caches are not growth).
    const { locker } = yield* MemoryStore.make()
    const cycle = Effect.scoped(Effect.flatMap(locker.acquire("cycled"), (lock) => lock.release))
    for (let i = 0; i < 1000; i++) yield* cycle
    const lockHeapBefore = collect()
    const fibersBefore = (yield* Fiber.roots).length
    for (let i = 0; i < lockCycles; i++) yield* cycle
    const lockHeapAfter = collect()
    const fibersAfter = (yield* Fiber.roots).length
    return {
      _tag: "Heap",
      items: stored,
      valueBytes,
      heapBefore: before,
      heapAfter: after,
      rss: process.memoryUsage().rss,
      lockCycles,
      lockHeapBefore,
      lockHeapAfter,
      fibersBefore,
      fibersAfter
    }
  })
)

Effect.runPromise(program).then(
  (figures) => {
    process.stdout.write(`${JSON.stringify(figures)}\n`)
    process.exit(0)
  },
  (error: unknown) => {
    process.stdout.write(`${JSON.stringify({ _tag: "Failed", message: String(error) })}\n`)
    process.exit(1)
  }
)
