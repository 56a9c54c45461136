// The command the tests have `dynalock run` run: it reports what it was given as JSON lines on stdout (dynalock's
// stdout, which it inherits), then does what its plan (argv[2], JSON) says:
//   { exit: N }                 exit N at once
//   { kill: "SIGUSR2" }         end by that signal at once
//   { on: { SIGTERM: N | "ignore", SIGINT: ... } }   report the signal, then exit N or carry on; unlisted: default
//   otherwise it runs until a line "exit N" arrives on stdin (dynalock's stdin, which it inherits).
const plan = JSON.parse(process.argv[2] ?? "{}")
const report = (event) => process.stdout.write(`${JSON.stringify(event)}\n`)

for (const [signal, action] of Object.entries(plan.on ?? {})) {
  process.on(signal, () => {
    report({ event: "signal", signal, pid: process.pid })
    if (action !== "ignore") process.exit(action)
  })
}

report({
  event: "started",
  pid: process.pid,
  key: process.env.DYNALOCK_KEY ?? null,
  token: process.env.DYNALOCK_FENCING_TOKEN ?? null,
  passedThrough: process.env.CLI_TEST_PASSED_THROUGH ?? null,
  launcherSwitch: process.env.DYNALOCK_CLI_SOURCES ?? null,
  args: process.argv.slice(3)
})

if (plan.exit !== undefined) process.exit(plan.exit)
if (plan.kill !== undefined) process.kill(process.pid, plan.kill)

let input = ""
process.stdin.setEncoding("utf8")
process.stdin.on("data", (chunk) => {
  input += chunk
  for (const line of input.split("\n").slice(0, -1)) {
    report({ event: "line", line })
    const exit = /^exit (\d+)$/.exec(line)
    if (exit !== null) process.exit(Number(exit[1]))
  }
  input = input.slice(input.lastIndexOf("\n") + 1)
})
// Stays up while stdin is open, and after it closes too: only a line or a signal ends it.
setInterval(() => {}, 1 << 30)
