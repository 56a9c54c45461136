import { readFileSync } from "node:fs"
import { createServer } from "node:net"
import { Effect, Random } from "effect"

const host = "127.0.0.1"

/**
 * The lowest port the OS hands out for `listen(0)`. Every server our tests start takes its port that way, so a
 * port below this one stays closed however many servers start beside it while a test leans on it being closed.
 */
const ephemeralLow = (): number => {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 2048 ? low : 32768
  } catch {
    return 32768 // Linux's default; macOS starts at 49152, so this range is outside its ephemeral one too
  }
}

/** Succeeds with whether a server could listen on the port, closing it again at once. */
const isFree = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const probe = createServer()
    probe.once("error", () => resume(Effect.succeed(false)))
    probe.listen(port, host, () => probe.close(() => resume(Effect.succeed(true))))
  })

/**
 * A loopback port nothing listens on and that no `listen(0)` can be given: a connection to it is refused for as
 * long as the test runs. A port freed from `listen(0)` is not that: another test file's server may be given it
 * a moment later, and then "unreachable" answers.
 */
export const closedPort: Effect.Effect<number> = Effect.suspend(() => {
  const high = ephemeralLow()
  const low = Math.max(1024, high - 8192)
  const tryOne = (triesLeft: number): Effect.Effect<number> =>
    triesLeft === 0
      ? Effect.dieMessage(`no closed port found in ${low}-${high - 1}`)
      : Effect.flatMap(Random.nextIntBetween(low, high), (port) =>
          Effect.flatMap(isFree(port), (free) => (free ? Effect.succeed(port) : tryOne(triesLeft - 1)))
        )
  return tryOne(64)
})
