/**
 * Claims the network delivers twice, through the fault proxy against dynalite: a copy of a claim that is pinned to
 * neither the version nor a place in line (the blind claim, the released claim) lands after the lease it took was
 * released. It must be refused: applied, it would hold the key, for nobody, for a whole ttl.
 */
import { assert, layer } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import * as FaultProxy from "@dynalock/test-layer/FaultProxy"
import { Fault } from "@dynalock/test-layer/FaultProxy"
import { onLockRequest } from "./support/lockRequests.js"
import { proxied } from "./support/proxied.js"

/** The copy follows its first by this much: long after the holding it began has ended. */
const copyAfter = 150

layer(LocalDynamo.layer(), { excludeTestServices: true })("claims delivered twice, on dynalite", (it) => {
  for (const [claim, releasedBefore] of [
    ["the blind claim", false],
    ["the released claim (this client's own release was its last write on the key)", true]
  ] as const) {
    it.scoped(`${claim}: its copy, landing after the release, leaves the key free`, () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const setup = yield* proxied(server)
        const first = yield* setup.store({ tag: "first" })
        if (releasedBefore) yield* Effect.scoped(first.locker.acquire("job"))
        yield* setup.proxy.setPlan(
          FaultProxy.onClient(
            "first",
            onLockRequest("claim", FaultProxy.once(Fault.Duplicate({ afterMillis: copyAfter })))
          )
        )
        const fence = yield* Effect.scoped(
          Effect.map(first.locker.acquire("job", { ttl: "10 seconds" }), (held) => held.fencingToken)
        )
        yield* Effect.sleep(`${copyAfter + 150} millis`)
        const stats = yield* setup.proxy.stats
        assert.isAbove(stats.faults.Duplicate, 0, "the claim was sent twice")
        const other = yield* setup.store({ tag: "other" })
        const taken = yield* other.locker.tryAcquire("job")
        assert.isTrue(Option.isSome(taken), "the copy took no lease: the key is free")
        assert.strictEqual(Option.getOrThrow(taken).fencingToken, fence + 1n)
      })
    )
  }
})
