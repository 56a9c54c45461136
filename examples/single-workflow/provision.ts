/**
 * One workflow run's job: provision an environment unless it is provisioned already. It runs under the
 * environment's lock, so it may assume it is alone; it checks the recorded state first because another run may
 * have finished the job while this one waited for the lock.
 */
import { Console, Effect, Option } from "effect"
import type { Duration } from "effect"
import type { InvalidInput, KeyValueStore, StoreError } from "@dynalock/core"
import { Environment, steps } from "./Environment.js"

/** How a run's job ended. */
export type Provisioned = "Provisioned" | "AlreadyProvisioned"

/** What the job needs. */
export interface ProvisionContext {
  readonly run: string
  readonly environment: string
  /** The "Environments" partition. */
  readonly environments: KeyValueStore["Type"]
  readonly stepTime: Duration.Duration
  /** Called after each step: the example prints the lock's lease there, read from the lock partition. */
  readonly afterStep: (stepsDone: number) => Effect.Effect<void>
}

/** Provisions the environment, step by step, recording progress. */
export const provision = (context: ProvisionContext): Effect.Effect<Provisioned, InvalidInput | StoreError> =>
  Effect.gen(function* () {
    const { environment, run } = context
    const states = context.environments.forSchema(Environment)
    const current = yield* Effect.option(states.get(environment))
    if (Option.exists(current, (state) => state.value.status === "ready")) {
      const by = Option.match(current, { onNone: () => "?", onSome: (state) => state.value.by })
      yield* Console.log(`  ${run}: ${environment} was provisioned by ${by} meanwhile: nothing to do`)
      return "AlreadyProvisioned"
    }
    const resumeFrom = Option.match(current, { onNone: () => 0, onSome: (state) => state.value.stepsDone })
    for (let done = resumeFrom; done < steps.length; done++) {
      const step = steps[done]!
      yield* Effect.sleep(context.stepTime).pipe(
        Effect.onInterrupt(() => Console.log(`  ${run}: interrupted in the middle of "${step}"`))
      )
      yield* states.put(environment, { status: "provisioning", stepsDone: done + 1, by: run })
      yield* Console.log(`  ${run}: ${step} (${done + 1}/${steps.length})`)
      yield* context.afterStep(done + 1)
    }
    yield* states.put(environment, { status: "ready", stepsDone: steps.length, by: run })
    yield* Console.log(`  ${run}: ${environment} is ready`)
    return "Provisioned"
  })
