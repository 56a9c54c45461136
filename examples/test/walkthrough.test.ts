import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { MemoryStore } from "@dynalock/test-layer"
import { walkthrough } from "../walkthrough/program.js"

describe("walkthrough demo", () => {
  it.live("runs to the end on the memory store and shows each behaviour", () =>
    Effect.gen(function* () {
      const lines = yield* walkthrough.pipe(Effect.provide(MemoryStore.layer()))
      assert.deepStrictEqual(lines, [
        'put config/greeting = "hello" -> version 1',
        "atomicPut with version 1 -> version 2",
        "atomicPut with stale version 1 -> KeyModified",
        "atomicPut without previous over a live item -> KeyExists",
        "put session/abc with ttl 200 ms -> exists: true",
        "300 ms later -> exists: false",
        'list("config/") -> config/colour@1, config/greeting@2',
        "typed get agent/1 -> worker-1, capacity 4, tags eu/gpu",
        "get after delete -> KeyNotFound; expires of config/greeting: never"
      ])
    })
  )
})
