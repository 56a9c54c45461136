/** Owner tokens: 128 random bits per acquisition, so no two holders (even of one client) share one. */
export const newOwnerToken = (): string => {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")
}
