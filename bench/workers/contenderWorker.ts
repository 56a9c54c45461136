/**
 * A contender process of the peer comparison: one lock library (dynalock or a peer, through its adapter) in the
 * contender loop every library shares, all requests through the counting proxy. It runs one scenario (see
 * ContenderScenario), then reports and exits; a library's wait that cannot be cancelled dies with the process.
 * Run as `node --import tsx --conditions=@dynalock/source contenderWorker.ts '<ContenderWorkerArgs as JSON>'`.
 */
import { randomUUID } from "node:crypto"
import { createInterface } from "node:readline"
import { Effect, Option } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import { tagClient } from "@dynalock/test-layer/FaultProxy"
import type { ContenderClient } from "../peers/adapters/contender.js"
import { makeContender } from "../peers/adapters/index.js"
import { rawLockCycle, recordRequests, replay, replayedLockCycle } from "../peers/rawRequests.js"
import type { RecordedRequest } from "../peers/rawRequests.js"
import { countingClient, localConfig } from "../support/countingClient.js"
import { traceSection } from "../support/requestTrace.js"
import { monotonicMillis, summarize } from "../support/stats.js"
import { rawTag } from "./contenderProtocol.js"
import type { ContenderScenario, ContenderWorkerArgs, ContenderWorkerEvent, Paired } from "./contenderProtocol.js"

const args = JSON.parse(process.argv[2] ?? "{}") as ContenderWorkerArgs
const { environment } = args

const emit = (event: ContenderWorkerEvent): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

// stdin: "go" starts the run; "entered <ms>" says another process entered its section at that time. A closed
// stdin means the benchmark is gone.
const lines = createInterface({ input: process.stdin })
let otherEntered = Number.NEGATIVE_INFINITY
const otherEnteredListeners = new Set<() => void>()
const go = new Promise<void>((resolve) =>
  lines.on("line", (line) => {
    const [command, at] = line.trim().split(" ")
    if (command === "go") resolve()
    if (command === "entered" && at !== undefined) {
      otherEntered = Math.max(otherEntered, Number(at))
      otherEnteredListeners.forEach((listener) => listener())
    }
  })
)
lines.on("close", () => process.exit(2))

const awaitGo = Effect.promise(() => go)

/** Until another process entered after `since`: false if `deadline` came first. */
const otherEnteredAfter = (since: number, deadline: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const check = () => {
      if (otherEntered > since) resume(Effect.succeed(true))
    }
    otherEnteredListeners.add(check)
    check()
    return Effect.sync(() => otherEnteredListeners.delete(check))
  }).pipe(
    Effect.timeout(Math.max(0, deadline - monotonicMillis())),
    Effect.orElseSucceed(() => false)
  )

const memoryNow = () => {
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed }
}

const since = (before: Record<string, number>, after: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(after)
      .map(([operation, n]) => [operation, n - (before[operation] ?? 0)])
      .filter(([, n]) => n !== 0)
  )

/** One uncontended acquire + release: a wait here means something else holds the key, a broken run. */
const cycle = (contender: ContenderClient, key: string) =>
  Effect.flatMap(contender.acquire(key, 10_000), (held) =>
    Option.isSome(held)
      ? held.value.release
      : Effect.dieMessage(`uncontended acquire of ${key} did not get the lock in 10 s`)
  )

/** Runs `a` and `b` alternately, `a` first on even rounds: drift in the machine's load hits both alike. */
const interleaved = (rounds: number, a: (i: number) => Effect.Effect<void>, b: (i: number) => Effect.Effect<void>) =>
  Effect.gen(function* () {
    const samplesA: Array<number> = []
    const samplesB: Array<number> = []
    const timed = (operation: Effect.Effect<void>, samples: Array<number>) =>
      Effect.suspend(() => {
        const started = performance.now()
        return Effect.map(operation, () => {
          samples.push(performance.now() - started)
        })
      })
    for (let i = 0; i < rounds; i++) {
      const first = timed(a(i), samplesA)
      const second = timed(b(i), samplesB)
      yield* i % 2 === 0 ? Effect.zipRight(first, second) : Effect.zipRight(second, first)
    }
    return { a: summarize(samplesA), b: summarize(samplesB) }
  })

const contend = (contender: ContenderClient, scenario: Extract<ContenderScenario, { _tag: "Contend" }>) =>
  Effect.gen(function* () {
    // A cold client's first requests are slow (connections, JIT): warm it on a key of its own first.
    for (let i = 0; i < 3; i++) yield* cycle(contender, `${scenario.key}-warm-${environment.tag}`)
    const warm = contender.requests()
    emit({ _tag: "Ready", pid: process.pid })
    yield* awaitGo
    const deadline = monotonicMillis() + scenario.durationMillis
    let memory = memoryNow()
    let unfinishedWaits = 0
    let openWaitMillis: number | undefined
    let lastExit: number | undefined
    while (monotonicMillis() < deadline) {
      if (scenario.forcedHandoff && lastExit !== undefined && !(yield* otherEnteredAfter(lastExit, deadline))) break
      const before = contender.requests()
      const requested = monotonicMillis()
      if (requested >= deadline) break
      const held = yield* contender.acquire(scenario.key, deadline - requested)
      if (Option.isNone(held)) {
        unfinishedWaits++
        openWaitMillis = monotonicMillis() - requested
        break
      }
      const enter = monotonicMillis()
      traceSection("enter")
      if (scenario.forcedHandoff) emit({ _tag: "Entered", enter })
      const waitRequests = since(before, contender.requests())
      yield* Effect.sleep(scenario.holdMillis)
      memory = memoryNow()
      const exit = monotonicMillis()
      traceSection("exit")
      yield* held.value.release
      const token = held.value.token
      emit({
        _tag: "Acquired",
        requested,
        enter,
        exit,
        released: monotonicMillis(),
        ...(token === undefined ? {} : { token }),
        waitRequests,
        lost: false
      })
      lastExit = exit
    }
    emit({
      _tag: "Stats",
      requests: since(warm, contender.requests()),
      unfinishedWaits,
      ...(openWaitMillis === undefined ? {} : { openWaitMillis }),
      memory
    })
  })

/** The raw floor's client: SDK v3, tagged apart from the library's. */
const taggedClient = (tag: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const counter = countingClient(localConfig(environment.endpoint))
      tagClient(counter.client, tag)
      return counter
    }),
    (counter) => Effect.sync(() => counter.client.destroy())
  )

const rawClient = taggedClient(rawTag(environment.tag))

const uncontended = (contender: ContenderClient, scenario: Extract<ContenderScenario, { _tag: "Uncontended" }>) =>
  Effect.gen(function* () {
    const raw = yield* rawClient
    const owner = randomUUID()
    const rawCycle = rawLockCycle(
      raw.client,
      environment.keyedTable,
      `${environment.partition}-raw`,
      scenario.key,
      owner
    )
    for (let i = 0; i < scenario.warmup; i++) yield* Effect.zipRight(cycle(contender, scenario.key), rawCycle)
    emit({ _tag: "Ready", pid: process.pid })
    yield* awaitGo
    const { a, b } = yield* interleaved(
      scenario.cycles,
      () => cycle(contender, scenario.key),
      () => rawCycle
    )
    emit({ _tag: "Measured", pairs: [{ name: "acquire + release", library: a, raw: b }] })
    emit({ _tag: "Stats", requests: contender.requests(), unfinishedWaits: 0, memory: memoryNow() })
  })

/**
 * Where an uncontended lock cycle's time goes: dynalock's acquire + release against its two requests sent raw (its
 * own cost on top of the SDK), and those two requests against the raw floor's Put + Delete (what the requests
 * themselves cost the SDK and the server). On clients of tags of their own: the key/value rows' request counts stay
 * theirs.
 */
const lockCycleSplit = (scenario: Extract<ContenderScenario, { _tag: "KeyValue" }>) =>
  Effect.gen(function* () {
    const counter = yield* taggedClient(`${environment.tag}-lock`)
    const recorder = recordRequests(counter.client)
    const { locker } = yield* DynamoStore.make({
      tableName: environment.keyedTable,
      partition: environment.partition,
      client: counter.client
    })
    const raw = yield* taggedClient(`${rawTag(environment.tag)}-lock`)
    const key = "lock-split"
    const lastRequest = Effect.suspend(() => {
      const request = recorder.last()
      return request === undefined ? Effect.dieMessage("no request recorded") : Effect.succeed(request)
    })
    // The claim as a client sends it when its own release was its last write on the key: every cycle but the first.
    const recordedCycle = Effect.scoped(
      Effect.gen(function* () {
        const lock = yield* Effect.orDie(locker.acquire(key))
        const claim = yield* lastRequest
        yield* Effect.orDie(lock.release)
        return { claim, release: yield* lastRequest }
      })
    )
    let sent = yield* recordedCycle
    for (let i = 0; i < scenario.warmup; i++) sent = yield* recordedCycle
    const cycle = Effect.asVoid(
      Effect.scoped(Effect.flatMap(Effect.orDie(locker.acquire(key)), (lock) => Effect.orDie(lock.release)))
    )
    // The same two requests, on a key of their own: dynalock's claim there is pinned to what its release left.
    const replayKey = `${key}-replayed`
    yield* Effect.scoped(Effect.flatMap(Effect.orDie(locker.acquire(replayKey)), (lock) => Effect.orDie(lock.release)))
    const replayed = yield* replayedLockCycle(raw.client, sent, replayKey)
    const floor = rawLockCycle(raw.client, environment.keyedTable, `${environment.partition}-raw`, key, randomUUID())
    const library = yield* interleaved(
      scenario.operations,
      () => cycle,
      () => replayed
    )
    const requests = yield* interleaved(
      scenario.operations,
      () => replayed,
      () => floor
    )
    return [
      { name: "acquire + release, against its two requests sent raw", library: library.a, raw: library.b },
      { name: "those two requests sent raw, against the raw floor", library: requests.a, raw: requests.b }
    ] satisfies ReadonlyArray<Paired>
  })

/** dynalock's get and put, each against the request it sends (recorded in the warm-up), sent raw. */
const keyValue = (scenario: Extract<ContenderScenario, { _tag: "KeyValue" }>) =>
  Effect.gen(function* () {
    const counter = countingClient(localConfig(environment.endpoint))
    tagClient(counter.client, environment.tag)
    yield* Effect.addFinalizer(() => Effect.sync(() => counter.client.destroy()))
    const recorder = recordRequests(counter.client)
    const { store } = yield* DynamoStore.make({
      tableName: environment.keyedTable,
      partition: environment.partition,
      client: counter.client
    })
    const raw = yield* rawClient
    const value = new Uint8Array(100).fill(7)
    const key = "kv"
    const recorded = (operation: Effect.Effect<unknown, unknown>) =>
      Effect.gen(function* () {
        yield* Effect.orDie(operation)
        const request: RecordedRequest | undefined = recorder.last()
        return request ?? (yield* Effect.dieMessage("no request recorded"))
      })
    let putRequest = yield* recorded(store.put(key, value))
    let getRequest = yield* recorded(store.get(key))
    for (let i = 0; i < scenario.warmup; i++) {
      putRequest = yield* recorded(store.put(key, value))
      getRequest = yield* recorded(store.get(key))
      yield* replay(raw.client, putRequest)
      yield* replay(raw.client, getRequest)
    }
    emit({ _tag: "Ready", pid: process.pid })
    yield* awaitGo
    const pairs: Array<Paired> = []
    const gets = yield* interleaved(
      scenario.operations,
      () => Effect.orDie(store.get(key)),
      () => replay(raw.client, getRequest)
    )
    pairs.push({ name: "get", operation: getRequest.operation, library: gets.a, raw: gets.b })
    const puts = yield* interleaved(
      scenario.operations,
      () => Effect.orDie(store.put(key, value)),
      () => replay(raw.client, putRequest)
    )
    pairs.push({ name: "put, 100 B", operation: putRequest.operation, library: puts.a, raw: puts.b })
    pairs.push(...(yield* lockCycleSplit(scenario)))
    emit({ _tag: "Measured", pairs })
    emit({ _tag: "Stats", requests: { ...counter.counts }, unfinishedWaits: 0, memory: memoryNow() })
  })

const program = Effect.gen(function* () {
  const { scenario } = args
  if (scenario._tag === "KeyValue") return yield* keyValue(scenario)
  const make = yield* makeContender(args.row.spec)
  const contender = yield* make(environment)
  if (scenario._tag === "Contend") return yield* contend(contender, scenario)
  return yield* uncontended(contender, scenario)
})

Effect.runPromise(Effect.scoped(program)).then(
  // Exit at once: a peer's wait that the run's end abandoned must not go on sending requests.
  () => process.exit(0),
  (error: unknown) => {
    emit({ _tag: "Failed", message: String(error) })
    process.exit(1)
  }
)
