/**
 * Owner tokens: new for every acquisition, so that no two holders (even of one client) ever share one. 64 random
 * bits per process and a counter make them unique without drawing random bytes for each (tokens guard against
 * mistakes, not against the clients of a table, which can all read them).
 */
const processPart = (() => {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")
})()

let issued = 0

export const newOwnerToken = (): string => `${processPart}${(issued++).toString(16).padStart(16, "0")}`
