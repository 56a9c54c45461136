/**
 * Runs an example as a Node program: the exit code follows the outcome (0 on success, 1 on failure), and Ctrl-C or
 * SIGTERM interrupts the program, so every scope closes first: locks are released, child processes and embedded
 * servers are stopped.
 */
import { Runtime } from "@effect/platform"

/** `runMain(program)`, as `@effect/platform-node`'s, without depending on it for one function. */
export const runMain: Runtime.RunMain = Runtime.makeRunMain(({ fiber, teardown }) => {
  // A program waiting only on a Deferred holds no Node handle: without this, Node would end it halfway.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
  const interrupt = () => fiber.unsafeInterruptAsFork(fiber.id())
  process.once("SIGINT", interrupt)
  process.once("SIGTERM", interrupt)
  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    process.off("SIGINT", interrupt)
    process.off("SIGTERM", interrupt)
    // Exit once the output is written: a parent reading our stdout through a pipe must get all of it.
    teardown(exit, (code) => process.stdout.write("", () => process.exit(code)))
  })
})
