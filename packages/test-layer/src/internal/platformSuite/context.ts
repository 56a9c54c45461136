/** What the groups of the platform adapter suite share: the key/value suite's context, adapters and the reference. */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import type { Vitest } from "@effect/vitest"
import * as PlatformKeyValueStore from "@dynalock/core/PlatformKeyValueStore"
import { Effect } from "effect"
import type { Scope } from "effect"
import type { Backend } from "../suite/backend.js"
import type { Client, SuiteContext } from "../suite/context.js"
import { makeContext } from "../suite/context.js"

/** One client of the backend and the adapter over its store. */
interface AdaptedClient extends Client {
  readonly kv: KeyValueStore.KeyValueStore
}

export interface PlatformSuiteContext<R> extends SuiteContext<R> {
  readonly it: Vitest.MethodsNonLive<R, boolean>
  /** The adapter over a client on a partition no other test uses. */
  readonly freshKv: Effect.Effect<AdaptedClient, unknown, R | Scope.Scope>
  /** The adapter over a client on the given partition (another client each time, as another process would be). */
  readonly kvOn: (partition: string) => Effect.Effect<AdaptedClient, unknown, R | Scope.Scope>
  /** A new, empty `KeyValueStore.layerMemory`: what the adapter must behave like. */
  readonly reference: Effect.Effect<KeyValueStore.KeyValueStore>
  /** Runs of a property test: fewer on servers, whose round trips cost milliseconds. */
  readonly propertyRuns: number
}

export const makePlatformContext = <R>(
  backend: Backend<R>,
  it: Vitest.MethodsNonLive<R, boolean>
): PlatformSuiteContext<R> => {
  const context = makeContext(backend, it)
  const adapt = (client: Client): AdaptedClient => ({ ...client, kv: PlatformKeyValueStore.make(client.store) })
  return {
    ...context,
    it,
    freshKv: Effect.map(context.fresh, adapt),
    kvOn: (partition) => Effect.map(context.on(partition), adapt),
    reference: Effect.provide(KeyValueStore.KeyValueStore, KeyValueStore.layerMemory),
    propertyRuns: backend.time === "live" ? 25 : 200
  }
}
