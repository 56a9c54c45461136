#!/usr/bin/env node
/**
 * The `dynalock` executable: the command line of this process, run to its exit status.
 *
 * @since 0.2.0
 */
import { program } from "./Cli.js"
import { runMain } from "./internal/runtime.js"

runMain(program(process.argv))
