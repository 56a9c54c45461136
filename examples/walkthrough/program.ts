/**
 * A short tour of the key/value store: writes, versions, compare-and-set, expiry, listing and typed values. It
 * needs only a `KeyValueStore`, so the same program runs on the memory store (here) or on DynamoDB.
 */
import { Console, Effect, Option, Schema } from "effect"
import { KeyValueStore } from "@dynalock/core"

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

const Agent = Schema.Struct({ name: Schema.String, capacity: Schema.Number, tags: Schema.Array(Schema.String) })

/** Runs the tour, printing each step; returns the lines it printed. */
export const walkthrough = Effect.gen(function* () {
  const lines: Array<string> = []
  const say = (line: string) =>
    Effect.zipRight(
      Console.log(line),
      Effect.sync(() => lines.push(line))
    )
  const store = yield* KeyValueStore

  const first = yield* store.put("config/greeting", "hello")
  yield* say(`put config/greeting = "${text(first.value)}" -> version ${first.version}`)

  const second = yield* store.atomicPut("config/greeting", "hello, world", { previous: first })
  yield* say(`atomicPut with version ${first.version} -> version ${second.version}`)

  const stale = yield* Effect.flip(store.atomicPut("config/greeting", "lost update", { previous: first }))
  yield* say(`atomicPut with stale version ${first.version} -> ${stale._tag}`)

  const exists = yield* Effect.flip(store.atomicPut("config/greeting", "again"))
  yield* say(`atomicPut without previous over a live item -> ${exists._tag}`)

  yield* store.put("session/abc", "short-lived", { ttl: "200 millis" })
  yield* say(`put session/abc with ttl 200 ms -> exists: ${yield* store.exists("session/abc")}`)
  yield* Effect.sleep("300 millis")
  yield* say(`300 ms later -> exists: ${yield* store.exists("session/abc")}`)

  yield* store.put("config/colour", "blue")
  const listed = yield* store.list("config/")
  yield* say(`list("config/") -> ${listed.map((pair) => `${pair.key}@${pair.version}`).join(", ")}`)

  const agents = store.forSchema(Agent)
  yield* agents.put("agent/1", { name: "worker-1", capacity: 4, tags: ["eu", "gpu"] })
  const agent = yield* agents.get("agent/1")
  yield* say(
    `typed get agent/1 -> ${agent.value.name}, capacity ${agent.value.capacity}, tags ${agent.value.tags.join("/")}`
  )

  yield* store.delete("config/colour")
  const gone = yield* Effect.flip(store.get("config/colour"))
  yield* say(
    `get after delete -> ${gone._tag}; expires of config/greeting: ${Option.isNone(second.expires) ? "never" : "set"}`
  )
  return lines
})
