import { Effect } from "effect"
import type { Scope } from "effect"
import type { Locker } from "../../Locker.js"
import type { Storage } from "../../Storage.js"
import type { LockerSettings } from "./settings.js"

// Placeholder until the lock protocol lands (issue: Locker).
export const makeLocker = (_storage: Storage, _settings: LockerSettings): Effect.Effect<Locker["Type"], never, Scope.Scope> =>
  Effect.succeed({
    acquire: () => Effect.dieMessage("Locker: not yet implemented"),
    tryAcquire: () => Effect.dieMessage("Locker: not yet implemented"),
    withLock: () => () => Effect.dieMessage("Locker: not yet implemented")
  })
