// The operator's verbs against locks held by another client of the table: status and list (text and JSON),
// release --force, create-table; where they look (--table, --partition, DYNALOCK_TABLE, DYNALOCK_PARTITION).
import { assert, layer } from "@effect/vitest"
import { DateTime, Duration, Effect, Exit } from "effect"
import { DynamoStore } from "@dynalock/dynamo-layer"
import * as LocalDynamo from "@dynalock/test-layer/LocalDynamo"
import { on, run } from "./support/cli.js"

const partition = "admin-jobs"

const locker = Effect.gen(function* () {
  const server = yield* LocalDynamo.LocalDynamo
  const { locker } = yield* DynamoStore.make({ tableName: server.tableName, partition, client: server.clientConfig })
  return locker
})

const lines = (text: string): Array<string> => text.split("\n").filter((line) => line.length > 0)

layer(LocalDynamo.layer({ tableName: "dynalock-cli-admin" }), { excludeTestServices: true })(
  "status, list, release, create-table",
  (it) => {
    it.scoped("status of a key never locked: says so and exits 0, in text and in JSON", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const [text, json] = yield* Effect.all(
          [run(["status", "never-key", ...on(server)]), run(["status", "never-key", ...on(server), "--json"])],
          { concurrency: "unbounded" }
        )
        assert.strictEqual(text.code, 0, text.stderr)
        assert.strictEqual(text.stdout, "never-key never locked\n")
        assert.strictEqual(json.code, 0, json.stderr)
        assert.deepStrictEqual(JSON.parse(json.stdout), { key: "never-key", exists: false })
      })
    )

    it.scoped("status of a held lock, then of the same lock released: one line of text, or JSON", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const held = yield* Effect.scoped(
          Effect.gen(function* () {
            const lock = yield* locks.acquire("report", { ttl: "30 seconds", value: "host-a pid 7: ./report.sh" })
            const args = ["status", "report", ...on(server), "--partition", partition]
            const [text, json] = yield* Effect.all([run(args), run([...args, "--json"])], { concurrency: "unbounded" })
            return { lock, text, json }
          })
        )
        const token = held.lock.fencingToken.toString()
        assert.strictEqual(held.text.code, 0, held.text.stderr)
        assert.match(
          held.text.stdout,
          new RegExp(
            `^report held token=${token} expires=\\S+Z \\(in [^)]+\\) waiting=0 value="host-a pid 7: \\./report\\.sh"\\n$`
          )
        )
        const state = JSON.parse(held.json.stdout) as Record<string, unknown>
        assert.deepInclude(state, {
          key: "report",
          exists: true,
          held: true,
          fencingToken: token,
          waiting: 0,
          value: "host-a pid 7: ./report.sh"
        })
        assert.strictEqual(state.valueBase64, Buffer.from("host-a pid 7: ./report.sh").toString("base64"))
        const expires = DateTime.unsafeMake(String(state.expires))
        const left = DateTime.distance(yield* DateTime.now, expires)
        assert.isTrue(left > 20_000 && left <= 30_000, `the lease ends in ${left} ms`)

        // Released by the scope: the record stays, with the last holder's token.
        const [text, json] = yield* Effect.all(
          [
            run(["status", "report", ...on(server), "--partition", partition]),
            run(["status", "report", ...on(server), "--partition", partition, "--json"])
          ],
          { concurrency: "unbounded" }
        )
        assert.strictEqual(text.stdout, `report free token=${token} waiting=0\n`)
        assert.deepStrictEqual(JSON.parse(json.stdout), {
          key: "report",
          exists: true,
          held: false,
          fencingToken: token,
          expires: null,
          waiting: 0,
          value: "",
          valueBase64: ""
        })
      })
    )

    it.scoped("a binary holder value is shown as base64", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x01])
        yield* locks.acquire("binary", { ttl: "30 seconds", value: bytes })
        const args = ["status", "binary", ...on(server), "--partition", partition]
        const [text, json] = yield* Effect.all([run(args), run([...args, "--json"])], { concurrency: "unbounded" })
        assert.include(text.stdout, `value=base64:${Buffer.from(bytes).toString("base64")}`)
        assert.deepInclude(JSON.parse(json.stdout) as object, {
          value: null,
          valueBase64: Buffer.from(bytes).toString("base64")
        })
      })
    )

    it.scoped(
      "list: the held locks only, under a prefix or all of them, one line each or a JSON array; nothing held prints nothing",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const locks = yield* locker
          yield* locks.acquire("list/b", { ttl: "30 seconds" })
          yield* locks.acquire("list/a", { ttl: "30 seconds", value: "a" })
          yield* locks.acquire("listed-elsewhere", { ttl: "30 seconds" })
          yield* Effect.scoped(locks.acquire("list/released", { ttl: "30 seconds" }))
          // Where the CLI looks, from the environment this time.
          const env = { DYNALOCK_TABLE: server.tableName, DYNALOCK_PARTITION: partition }
          const endpoint = ["--endpoint", server.endpoint]
          const [under, underJson, all, none, noneJson] = yield* Effect.all(
            [
              run(["list", "list/", ...endpoint], env),
              run(["list", "list/", ...endpoint, "--json"], env),
              run(["list", ...endpoint], env),
              run(["list", "nothing/", ...endpoint], env),
              run(["list", "nothing/", ...endpoint, "--json"], env)
            ],
            { concurrency: 3 }
          )
          for (const finished of [under, underJson, all, none, noneJson])
            assert.strictEqual(finished.code, 0, finished.stderr)
          assert.deepStrictEqual(
            lines(under.stdout).map((line) => line.split(" ").slice(0, 2).join(" ")),
            ["list/a held", "list/b held"]
          )
          assert.include(lines(under.stdout)[0] ?? "", 'value="a"')
          const listed = JSON.parse(underJson.stdout) as Array<Record<string, unknown>>
          assert.deepStrictEqual(
            listed.map((state) => [state.key, state.held, state.value]),
            [
              ["list/a", true, "a"],
              ["list/b", true, ""]
            ]
          )
          // The earlier tests' locks were released when they ended; list/released is free.
          assert.deepStrictEqual(
            lines(all.stdout).map((line) => line.split(" ").slice(0, 2).join(" ")),
            ["list/a held", "list/b held", "listed-elsewhere held"]
          )
          assert.strictEqual(none.stdout, "")
          assert.deepStrictEqual(JSON.parse(noneJson.stdout), [])
        })
    )

    it.scoped("release --force breaks a live lease (its holder learns it), and says when there was none", () =>
      Effect.gen(function* () {
        const server = yield* LocalDynamo.LocalDynamo
        const locks = yield* locker
        const lock = yield* locks.acquire("stuck", { ttl: "900 millis" })
        const args = ["release", "stuck", ...on(server), "--partition", partition, "--force"]
        const broken = yield* run(args)
        assert.strictEqual(broken.code, 0, broken.stderr)
        assert.include(broken.stdout, "stuck released")
        const lost = yield* lock.lost.pipe(Effect.timeout("3 seconds"), Effect.exit)
        assert.isTrue(
          Exit.isFailure(lost) && lost.cause._tag === "Fail" && lost.cause.error._tag === "LockLost",
          String(lost)
        )

        const again = yield* run(args)
        assert.strictEqual(again.code, 0, again.stderr)
        assert.strictEqual(again.stdout, "stuck was not held\n")
      })
    )

    it.scoped(
      "create-table makes a table dynalock can use, and succeeds again when it exists; a missing table is a store error (70); AWS_ENDPOINT_URL_DYNAMODB",
      () =>
        Effect.gen(function* () {
          const server = yield* LocalDynamo.LocalDynamo
          const table = ["--endpoint", server.endpoint, "--table", "made-by-the-cli"]
          const missing = yield* run(["status", "anything", ...table])
          assert.strictEqual(missing.code, 70, missing.stderr)
          assert.include(missing.stderr, 'table "made-by-the-cli" does not exist')

          const created = yield* run(["create-table", ...table])
          assert.strictEqual(created.code, 0, created.stderr)
          assert.strictEqual(created.stdout, "table made-by-the-cli is ready\n")
          const [again, used] = yield* Effect.all(
            [run(["create-table", ...table]), run(["run", "first", ...table, "--", process.execPath, "-e", ""])],
            {
              concurrency: "unbounded"
            }
          )
          assert.strictEqual(again.code, 0, again.stderr)
          assert.strictEqual(used.code, 0, used.stderr)
          // The endpoint from the standard AWS environment this time.
          const status = yield* run(["status", "first", "--table", "made-by-the-cli"], {
            AWS_ENDPOINT_URL_DYNAMODB: server.endpoint
          })
          assert.match(status.stdout, /^first free token=\d+ waiting=0\n$/, status.stderr)
          yield* Effect.logInfo(`create-table: ${Duration.format(created.elapsed)} (process start included)`)
        })
    )
  }
)
