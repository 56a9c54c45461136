/** The state of an environment, as the workflow records it in the "Environments" partition. */
import { Schema } from "effect"

/** Where provisioning of an environment stands. */
export const Environment = Schema.Struct({
  status: Schema.Literal("provisioning", "ready"),
  /** Steps completed so far. */
  stepsDone: Schema.Number,
  /** The workflow run that wrote this. */
  by: Schema.String
})

/** @see Environment */
export type Environment = typeof Environment.Type

/** The provisioning steps, in order. */
export const steps = [
  "create network",
  "create database",
  "migrate schema",
  "deploy services",
  "run smoke tests"
] as const
