/** What DynamoDB's UpdateItem does to one item, for the memory table. */
import { Option } from "effect"
import { Storage } from "@dynalock/core"

/** The item after an applied update; `current` is the item before (none if absent). */
export const applyUpdate = (
  current: Option.Option<Storage.StoredItem>,
  request: Storage.UpdateRequest
): Storage.StoredItem => {
  const before = Option.getOrUndefined(current)
  const lock = before?.lock ?? Storage.noLock
  return {
    key: request.key,
    version: (before?.version ?? 0) + 1,
    expiresAt: request.expiresAt ?? before?.expiresAt ?? Option.none(),
    payload: request.payload ?? before?.payload ?? { _tag: "Empty" },
    lock: {
      owner: request.owner ?? lock.owner,
      fence: request.fenceSeed === undefined ? lock.fence : (lock.fence === 0 ? request.fenceSeed : lock.fence) + 1,
      ticket: request.takeTicket === true ? lock.ticket + 1 : lock.ticket,
      served: request.served ?? lock.served
    }
  }
}
