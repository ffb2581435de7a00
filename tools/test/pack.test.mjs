// Proves that the packages work outside this repository: builds @cim-nix/domain,
// @cim-nix/application and @cim-nix/adapter-event-store-postgres, packs them with `pnpm pack`
// (which applies `publishConfig` and replaces `workspace:*`), installs the tarballs with npm into
// a project under the system's temporary directory, type-checks a small TypeScript program
// against them with tsc and runs it with node against a PostgreSQL database of its own
// (`CIM_NIX_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/postgres).
// Then the same for the apps: @cim-nix/cli and @cim-nix/server are built, packed and installed
// with npm, and the installed `cim-nix` and `cim-nix-server` commands run.
import { execFile, spawn } from "node:child_process"
import { once } from "node:events"
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..", "..")
const packages = ["domain", "application", "adapter-event-store-postgres"]
const version = JSON.parse(readFileSync(join(root, "packages/domain/package.json"), "utf8")).version
const tarball = (name) => `cim-nix-${name}-${version}.tgz`
const serverUrl = process.env.CIM_NIX_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** Runs a program and returns its stdout; a failure carries its output. */
const run = async (command, args, cwd) => {
  try {
    return (await promisify(execFile)(command, args, { cwd, encoding: "utf8", timeout: 180_000, maxBuffer: 64 << 20 })).stdout
  } catch (error) {
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${error.stdout ?? ""}${error.stderr ?? error.message}`)
  }
}

const program = `import { Console, DateTime, Effect, Layer, Stream } from "effect"
import { EventEnvelope } from "@cim-nix/domain"
import { EventStore, EventStoreUrl } from "@cim-nix/application"
import { PostgresEventStore } from "@cim-nix/adapter-event-store-postgres"

declare const process: { readonly argv: ReadonlyArray<string> }

const stream: EventStore.StreamId = { aggregateType: "Flake", aggregateId: "packed" }
const event: EventEnvelope.NewEvent = {
  eventId: EventEnvelope.EventId.make("01900000-0000-7000-8000-000000000001"),
  type: "FlakeAdded",
  aggregateType: stream.aggregateType,
  aggregateId: stream.aggregateId,
  occurredAt: DateTime.unsafeMake(1_700_000_000_000),
  ...EventEnvelope.root("01900000-0000-7000-8000-000000000000"),
  schemaVersion: 1,
  payload: { flakeRef: "github:NixOS/nixpkgs" }
}

const main = Effect.gen(function* () {
  const location = yield* EventStoreUrl.parse(process.argv[2]!, "/")
  if (location._tag !== "Postgres") return yield* Effect.dieMessage(\`not a PostgreSQL URL: \${location._tag}\`)
  const layer: Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> = PostgresEventStore.layer({ url: location.url })
  return yield* Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const stored = yield* store.append(stream, [event], "no-stream")
    const all = yield* Stream.runCollect(store.readAll())
    return { stored: stored.map((e) => [e.version, e.position]), read: Array.from(all, (e) => e.payload), position: yield* store.currentPosition }
  }).pipe(Effect.provide(layer))
})

Effect.runPromise(Effect.flatMap(main, (result) => Console.log(JSON.stringify(result))))
`

const tsconfig = {
  compilerOptions: {
    module: "NodeNext",
    moduleResolution: "NodeNext",
    target: "ES2022",
    lib: ["ES2022"],
    types: [],
    strict: true,
    skipLibCheck: true,
    outDir: "dist"
  },
  include: ["index.ts"]
}

describe("packed packages", () => {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-pack-"))
  const database = `cim_nix_pack_${randomBytes(6).toString("hex")}`
  let admin

  beforeAll(async () => {
    await run(join(root, "node_modules/.bin/tsc"), ["-b", "packages/adapter-event-store-postgres/tsconfig.lib.json"], root)
    mkdirSync(join(dir, "tarballs"))
    for (const name of packages) await run("pnpm", ["pack", "--pack-destination", join(dir, "tarballs")], join(root, "packages", name))
  }, 240_000)

  afterAll(async () => {
    await admin?.(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(packages)("@cim-nix/%s has only dist exports, real versions and its built files", async (name) => {
    const file = join(dir, "tarballs", tarball(name))
    const manifest = JSON.parse(await run("tar", ["-xOzf", file, "package/package.json"]))
    expect(JSON.stringify(manifest)).not.toContain("@cim-nix/source")
    expect(JSON.stringify(manifest.dependencies)).not.toContain("workspace:")
    expect(manifest.exports["."]).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js", default: "./dist/index.js" })
    expect([manifest.license, manifest.sideEffects, manifest.repository.directory]).toEqual(["MIT", false, `packages/${name}`])
    const files = (await run("tar", ["-tzf", file])).split("\n")
    expect(files).toEqual(expect.arrayContaining(["package/dist/index.js", "package/dist/index.d.ts", "package/dist/index.js.map", "package/src/index.ts"]))
    expect(files.filter((f) => f.endsWith(".tsbuildinfo") || f.includes("/test/"))).toEqual([])
  })

  it("installs with npm outside the workspace; a TypeScript program type-checks and runs against PostgreSQL", async () => {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "outside", private: true, type: "module" }))
    const started = Date.now()
    const effectVersion = JSON.parse(readFileSync(join(root, "packages/domain/package.json"), "utf8")).dependencies.effect
    await run("npm", [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      `effect@${effectVersion}`,
      ...packages.map((name) => `./tarballs/${tarball(name)}`)
    ], dir)
    const installSeconds = (Date.now() - started) / 1000
    console.log(`npm install of the tarballs: ${installSeconds.toFixed(1)} s`)

    const pg = createRequire(join(dir, "node_modules/@effect/sql-pg/package.json"))("pg")
    admin = async (statement) => {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        await client.query(statement)
      } finally {
        await client.end()
      }
    }
    await admin(`CREATE DATABASE ${database}`)

    writeFileSync(join(dir, "index.ts"), program)
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(tsconfig))
    await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir)
    const url = new URL(serverUrl)
    url.pathname = `/${database}`
    const output = JSON.parse(await run(process.execPath, ["dist/index.js", url.toString()], dir))
    expect(output).toEqual({ stored: [[1, 1]], read: [{ flakeRef: "github:NixOS/nixpkgs" }], position: 1 })

    // The declarations are really used: a wrong argument is a type error.
    writeFileSync(join(dir, "index.ts"), `${program}\nPostgresEventStore.layer({ url: 5432 })\n`)
    const refused = await run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], dir).catch((e) => e.message)
    expect(refused).toMatch(/index\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/)
  }, 240_000)
})

/** The apps, their directory under apps/, their command and the dependencies their bundles leave external. */
const apps = [
  { name: "cli", bin: "cim-nix", external: ["@cursorless/tree-sitter-wasms", "better-sqlite3", "web-tree-sitter"] },
  { name: "server", bin: "cim-nix-server", external: ["@cursorless/tree-sitter-wasms", "better-sqlite3", "swagger-ui-dist", "web-tree-sitter"] }
]

describe("packed apps", () => {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-pack-apps-"))
  const env = { ...process.env, XDG_STATE_HOME: join(dir, "state"), XDG_CACHE_HOME: join(dir, "cache"), NO_COLOR: "1" }
  const installed = (bin) => join(dir, "node_modules", ".bin", bin)

  beforeAll(async () => {
    mkdirSync(join(dir, "tarballs"))
    for (const { name } of apps) {
      await run(process.execPath, ["build.mjs"], join(root, "apps", name))
      await run("pnpm", ["pack", "--pack-destination", join(dir, "tarballs")], join(root, "apps", name))
    }
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "outside-apps", private: true }))
    // better-sqlite3 compiles against the local Node headers (as in tools/setup.sh).
    await run("env", [
      `npm_config_nodedir=${process.env.npm_config_nodedir ?? "/usr"}`,
      "npm", "install", "--prefer-offline", "--no-audit", "--no-fund",
      ...apps.map(({ name }) => `./tarballs/${tarball(name)}`)
    ], dir)
  }, 600_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(apps)("the $bin tarball ships its bundle with a bin entry and depends only on what the bundle leaves external", async ({ name, bin, external }) => {
    const file = join(dir, "tarballs", tarball(name))
    const manifest = JSON.parse(await run("tar", ["-xOzf", file, "package/package.json"]))
    expect(manifest.private).toBeUndefined()
    expect([manifest.license, manifest.repository.directory, manifest.bin]).toEqual(["MIT", `apps/${name}`, { [bin]: `./dist/${bin}.mjs` }])
    expect(Object.keys(manifest.dependencies).sort()).toEqual(external)
    const files = (await run("tar", ["-tzf", file])).trim().split("\n").filter((f) => f !== "package/README.md")
    expect(files.sort()).toEqual([`package/dist/${bin}.mjs`, "package/package.json"])
  })

  it("the installed cim-nix prints its version and a doctor report on a SQLite store of its own", async () => {
    const version = await run(installed("cim-nix"), ["--version"], dir)
    expect(version.trim()).toBe(JSON.parse(readFileSync(join(root, "apps/cli/package.json"), "utf8")).version)
    const store = join(dir, "events.sqlite")
    const report = JSON.parse(await promisify(execFile)(installed("cim-nix"), ["doctor", "--json", "--event-store", `sqlite:${store}`], { cwd: dir, env })
      .then(({ stdout }) => stdout))
    expect(report).toMatchObject({ ok: true, nix: { found: true }, eventStore: { url: `sqlite:${store}`, kind: "Sqlite", ok: true, position: 0 } })
  }, 60_000)

  it("the installed cim-nix-server answers /healthz, /readyz and /docs, and stops on SIGTERM", async () => {
    const token = "pack-test-token-0123456789"
    const child = spawn(installed("cim-nix-server"), [], {
      cwd: dir,
      env: { ...env, CIM_NIX_PORT: "0", CIM_NIX_TOKEN: token, CIM_NIX_ROOTS: dir, CIM_NIX_EVENT_STORE: `sqlite:${join(dir, "server.sqlite")}` },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const exited = once(child, "exit")
    let output = ""
    child.stderr.on("data", (chunk) => (output += chunk))
    const url = await new Promise((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        output += chunk
        const found = /listening on (http:\/\/\S+)/.exec(output)?.[1]
        if (found !== undefined) resolve(found)
      })
      child.once("exit", (code) => reject(new Error(`cim-nix-server exited (${code}) before listening:\n${output}`)))
    })
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      expect(await (await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${token}` } })).json()).toMatchObject({ eventStore: { ok: true, position: 0 } })
      const css = await fetch(`${url}/docs/swagger-ui.css`, { headers: { authorization: `Bearer ${token}` } })
      expect([css.status, css.headers.get("content-type")]).toEqual([200, "text/css; charset=utf-8"])
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toEqual([0, null])
  }, 60_000)
})
