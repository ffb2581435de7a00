import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EventStore } from "@cim-nix/application"
import { TestEvents } from "@cim-nix/application/testing"
import { SqliteEventStore } from "@cim-nix/adapter-event-store-sqlite"
import { freePort } from "../../../tools/vitest/freePort.mjs"
import * as Server from "./Server.js"

const uuidv7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Appends `count` test events to one stream of the SQLite store at `filename`. */
const append = (filename: string, aggregateId: string, count: number) =>
  Effect.runPromise(
    Effect.flatMap(EventStore.EventStore, (store) =>
      store.append({ aggregateType: "Test", aggregateId }, TestEvents.newEvents({ aggregateType: "Test", aggregateId }, count), "any")
    ).pipe(Effect.provide(SqliteEventStore.layerFile({ filename })))
  )

/** Whether a process whose command line contains `marker` is running. */
const running = (marker: string) => {
  try {
    return execFileSync("pgrep", ["-f", marker]).toString().trim() !== ""
  } catch {
    return false
  }
}

/** The JSON error body of a response. */
const errorBody = async (response: Response) => (await response.json()) as { error: string; message: string; hint: string }

interface SseEvent {
  readonly id: string
  readonly event: string
  readonly data: { readonly position: number; readonly eventId: string }
}

/** Reads `count` events from `/events/stream`, then drops the connection. */
const readEvents = async (server: Server.Server, count: number, headers: Record<string, string> = {}) => {
  const abort = new AbortController()
  const response = await server.request("/events/stream", { headers, signal: abort.signal })
  expect(response.status).toBe(200)
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const events: Array<SseEvent> = []
  let buffer = ""
  while (events.length < count) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += decoder.decode(value, { stream: true })
    let end: number
    while ((end = buffer.indexOf("\n\n")) >= 0 && events.length < count) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const fields = Object.fromEntries(block.split("\n").filter((l) => !l.startsWith(":")).map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]))
      if (fields.data !== undefined) events.push({ id: fields.id!, event: fields.event!, data: JSON.parse(fields.data) })
    }
  }
  abort.abort()
  return events
}

/** Every endpoint the README lists, as OpenAPI names them. */
const documented = [
  "GET /healthz", "GET /readyz", "GET /openapi.json", "GET /docs", "GET /docs/{file}",
  "GET /events", "GET /events/stream",
  "GET /flakes", "GET /flakes/graph", "POST /flakes", "POST /flakes/adopt", "POST /flakes/inputs", "DELETE /flakes/inputs", "POST /flakes/update", "POST /flakes/check",
  "GET /packages", "POST /builds", "GET /builds/jobs/{id}", "GET /builds/jobs/{id}/stream", "POST /evaluations", "POST /gc", "GET /search",
  "GET /configurations", "POST /configurations", "POST /configurations/activate", "POST /configurations/rollback",
  "POST /modules", "POST /overlays"
]

interface OpenApiOperation {
  readonly security: ReadonlyArray<unknown>
  readonly requestBody?: { readonly content: Record<string, { readonly schema: unknown }> }
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: unknown }> }>
}

/** The parts of `/openapi.json` the tests read. */
interface OpenApiDocument {
  readonly openapi: string
  readonly info: { readonly version: string }
  readonly paths: Record<string, Record<string, OpenApiOperation>>
  readonly components: { readonly schemas: Record<string, unknown>; readonly securitySchemes: Record<string, unknown> }
}

describe("cim-nix-server (bundled, real Nix and SQLite)", () => {
  let server: Server.Server
  beforeAll(async () => {
    server = await Server.start({ CIM_NIX_MAX_BODY_BYTES: "1000" })
  })
  afterAll(async () => {
    await server.stop()
  })

  it("listens on 127.0.0.1; /healthz needs no token", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const response = await fetch(`${server.url}/healthz`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: "ok" })
    // A load balancer's HEAD check is open too, and gets the head without the body.
    const head = await fetch(`${server.url}/healthz`, { method: "HEAD" })
    expect([head.status, head.headers.get("content-type"), await head.text()]).toEqual([200, "application/json", ""])
    expect((await fetch(`${server.url}/readyz`, { method: "HEAD" })).status).toBe(401)
    expect((await fetch(`${server.url}/readyz`, { method: "HEAD", headers: { authorization: `Bearer ${Server.token}` } })).status).toBe(200)
  })

  it("answers 401 without a token and with a wrong one, with the error body and a request id", async () => {
    for (const headers of [{}, { authorization: `Bearer ${Server.token}x` }, { authorization: Server.token }] as Array<Record<string, string>>) {
      const response = await fetch(`${server.url}/readyz`, { headers })
      expect(response.status).toBe(401)
      expect(response.headers.get("x-request-id")).toMatch(uuidv7)
      const body = await errorBody(response)
      expect(body.error).toBe("Unauthorized")
      expect(body.hint).toContain("Bearer")
    }
    expect((await fetch(`${server.url}/nope`)).status).toBe(401)
  })

  it("echoes x-request-id, and generates a UUIDv7 when absent or malformed", async () => {
    const given = await server.request("/healthz", { headers: { "x-request-id": "client-42" } })
    expect(given.headers.get("x-request-id")).toBe("client-42")
    const absent = await server.request("/events")
    expect(absent.headers.get("x-request-id")).toMatch(uuidv7)
    const malformed = await server.request("/events", { headers: { "x-request-id": "no spaces allowed" } })
    expect(malformed.headers.get("x-request-id")).toMatch(uuidv7)
  })

  it("/readyz: nix usable and the store reachable", async () => {
    const response = await server.request("/readyz")
    expect(response.status).toBe(200)
    const body = (await response.json()) as { status: string; nix: { version: string }; eventStore: unknown }
    expect(body.status).toBe("ready")
    expect(body.nix.version).toMatch(/^\d+\.\d+/)
    expect(body.eventStore).toEqual({ ok: true, position: expect.any(Number) })
  })

  it("refuses paths outside the workspace roots with 400; unknown keys are 404", async () => {
    for (const path of ["/etc", "../outside", `${server.root}/../x`]) {
      const response = await server.request(`/flakes?path=${encodeURIComponent(path)}`)
      expect(response.status).toBe(400)
      expect((await errorBody(response)).error).toBe("IoError")
    }
    const config = await server.request(`/configurations?flake=/tmp&hostname=h`)
    expect(config.status).toBe(400)
    const missing = await server.request(`/flakes?path=nothing-here`)
    expect(missing.status).toBe(404)
    expect(await errorBody(missing)).toMatchObject({ error: "NotFound", message: expect.stringContaining(join(server.root, "nothing-here")) })
    expect((await server.request("/flakes")).status).toBe(400)
    expect((await server.request("/packages?flakeRef=.&attributePath=hello&system=x86_64-linux")).status).toBe(404)
    expect((await server.request("/nope")).status).toBe(404)
  })

  it("answers 413 to a body over the limit", async () => {
    const response = await server.request("/events", { method: "POST", body: "x".repeat(2000) })
    expect(response.status).toBe(413)
    expect((await errorBody(response)).error).toBe("PayloadTooLarge")
  })

  it("GET /openapi.json (no token) describes every endpoint; each is served, open or behind the token as described", async () => {
    const response = await fetch(`${server.url}/openapi.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    const spec = (await response.json()) as OpenApiDocument
    expect(spec.openapi).toBe("3.1.0")
    expect(spec.info.version).toBe((JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }).version)
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    expect(operations.sort()).toEqual(documented.sort())
    expect(spec.components.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } })
    expect(Object.keys(spec.components.schemas)).not.toContain("HttpApiDecodeError")
    expect(spec.paths["/flakes"]!.post!.requestBody!.content["application/json"].schema).toMatchObject({ required: ["path"], properties: { template: { enum: expect.arrayContaining(["minimal", "nixos"]) } } })
    expect(spec.paths["/flakes"]!.get!.responses["400"]!.content!["application/json"].schema).toMatchObject({ required: ["error", "message", "hint"] })
    expect(Object.keys(spec.paths["/builds"]!.post!.responses)).toEqual(expect.arrayContaining(["200", "202", "401", "413", "422", "503", "504"]))
    for (const operation of documented) {
      const [method, template] = operation.split(" ") as [string, string]
      const path = template.replace(/\{\w+\}/g, "x")
      const open = spec.paths[template]![method.toLowerCase()]!.security.length === 0
      const abort = new AbortController()
      // No body and no query: refused before anything runs (400), or a read (event streams are dropped at once).
      const [anonymous, authorized] = [await fetch(`${server.url}${path}`, { method, signal: abort.signal }), await server.request(path, { method, signal: abort.signal })]
      const body = authorized.headers.get("content-type")?.startsWith("application/json") ? ((await authorized.json()) as { message?: string }) : {}
      abort.abort()
      expect([operation, anonymous.status === 401]).toEqual([operation, !open])
      expect([operation, body.message]).not.toEqual([operation, "no such endpoint"])
    }
  })

  it("GET /docs (no token) is Swagger UI on /openapi.json, its files served from the server", async () => {
    const page = await fetch(`${server.url}/docs`)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toMatch(/^text\/html/)
    const html = await page.text()
    expect(html).toContain(`url: "/openapi.json"`)
    const files = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]!)
    expect(files).toEqual(expect.arrayContaining(["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]))
    for (const file of files) {
      const asset = await fetch(`${server.url}${file}`)
      expect([file, asset.status]).toEqual([file, 200])
      expect(asset.headers.get("content-type")).toMatch(file.endsWith(".js") ? /javascript/ : file.endsWith(".css") ? /text\/css/ : /image\/png/)
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100)
    }
    expect(await (await fetch(`${server.url}/docs/swagger-ui-bundle.js`)).text()).toContain("SwaggerUIBundle")
    for (const file of ["package.json", "index.html", "..%2F..%2Fpackage.json"]) {
      const missing = await fetch(`${server.url}/docs/${file}`)
      expect(missing.status).toBe(404)
      expect((await errorBody(missing)).error).toBe("NotFound")
    }
  })

  it("every response above matched the API description", () => {
    expect(server.violations()).toEqual([])
  })

  it("streams events with id = position and resumes after a dropped connection without gap or duplicate", async () => {
    await append(server.eventStore, "sse", 3)
    const first = await readEvents(server, 2)
    expect(first.map((e) => Number(e.id))).toEqual(first.map((e) => e.data.position))
    await append(server.eventStore, "sse", 2)
    const resumed = await readEvents(server, 3, { "last-event-id": first[1]!.id })
    const all = [...first, ...resumed].map((e) => e.data.position)
    expect(new Set(all).size).toBe(5)
    expect(all).toEqual([...all].sort((a, b) => a - b))
    const everything = await readEvents(server, 5)
    expect(everything.map((e) => e.data.eventId)).toEqual([...first, ...resumed].map((e) => e.data.eventId))
    expect((await server.request("/events/stream", { headers: { "last-event-id": "x" } })).status).toBe(400)
  })
})

const json = (value: unknown): RequestInit => ({ method: "POST", body: JSON.stringify(value), headers: { "content-type": "application/json" } })

interface Recorded {
  readonly events: ReadonlyArray<{ readonly type: string; readonly correlationId: string; readonly causationId: string; readonly position: number }>
}

/** Writes a flake whose packages are built by /bin/sh running `scripts` (name -> script). */
const shellFlake = (dir: string, scripts: Record<string, string>) => {
  mkdirSync(dir, { recursive: true })
  const packages = Object.entries(scripts).map(([name, script]) =>
    `${name} = derivation { name = "${name}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" ${JSON.stringify(script)} ]; };`)
  writeFileSync(join(dir, "flake.nix"), `{ outputs = { self }: { packages.x86_64-linux = { ${packages.join(" ")} }; }; }\n`)
}

const position = async (server: Server.Server) =>
  ((await (await server.request("/readyz")).json()) as { eventStore: { position: number } }).eventStore.position

describe("cim-nix-server commands (bundled, real Nix and SQLite)", () => {
  let server: Server.Server
  beforeAll(async () => {
    server = await Server.start({ CIM_NIX_MAX_BODY_BYTES: "4000", CIM_NIX_NIX_CONCURRENCY: "1", CIM_NIX_NIX_QUEUE: "1" })
  })
  afterAll(async () => {
    await server.stop()
  })

  it("POST /flakes creates and checks a flake; the request id is the correlation id of its events", async () => {
    const response = await server.request("/flakes", { ...json({ path: "demo", description: "a demo" }), headers: { "x-request-id": "create-demo-1" } })
    expect(response.status).toBe(201)
    expect(response.headers.get("x-request-id")).toBe("create-demo-1")
    const created = (await response.json()) as Recorded & { path: string; check: unknown }
    expect(created.path).toBe(join(server.root, "demo"))
    expect(created.events.map((e) => e.type)).toEqual(["FlakeCreated", "FlakeChecked"])
    expect(created.events.every((e) => e.correlationId === "create-demo-1")).toBe(true)
    expect(created.events[0]!.causationId).toBe("create-demo-1")
    expect(readFileSync(join(server.root, "demo", "flake.nix"), "utf8")).toContain("a demo")
    const listed = (await (await server.request("/events?correlationId=create-demo-1")).json()) as Array<{ position: number }>
    expect(listed.map((e) => e.position)).toEqual(created.events.map((e) => e.position))
    const flake = await server.request("/flakes?path=demo")
    expect(flake.status).toBe(200)
    expect(await flake.json()).toMatchObject({ path: join(server.root, "demo"), description: "a demo" })
    const again = await server.request("/flakes", json({ path: "demo" }))
    expect(again.status).toBe(409)
    expect((await errorBody(again)).error).toBe("FlakeError")
  })

  it("POST /flakes/adopt records a hand-written flake (201) without touching it; again, or a directory without flake.nix, is 409 (FlakeError without Nix's stderr)", async () => {
    const dir = join(server.root, "hand")
    mkdirSync(dir)
    const text = `{\n  # mine\n  description = "by hand";\n  outputs = { self }: { };\n}\n`
    writeFileSync(join(dir, "flake.nix"), text)
    const response = await server.request("/flakes/adopt", { ...json({ path: "hand" }), headers: { "x-request-id": "adopt-1" } })
    expect(response.status).toBe(201)
    const adopted = (await response.json()) as Recorded & { path: string; description: string; locked: ReadonlyArray<string> }
    expect(adopted).toMatchObject({ path: dir, description: "by hand", inputs: [], locked: [] })
    expect(adopted.events.map((e) => [e.type, e.correlationId])).toEqual([["FlakeAdopted", "adopt-1"]])
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toBe(text)
    expect(await (await server.request("/flakes?path=hand")).json()).toMatchObject({ path: dir, description: "by hand" })
    const again = await server.request("/flakes/adopt", json({ path: "hand" }))
    expect(again.status).toBe(409)
    expect((await errorBody(again)).message).toBe(`a flake already exists at ${dir}`)
    mkdirSync(join(server.root, "bare"))
    const bare = await server.request("/flakes/adopt", json({ path: "bare" }))
    expect((await errorBody(bare)).message).toBe(`there is no flake.nix in ${join(server.root, "bare")}`)
    expect(bare.status).toBe(409)
  })

  it("adds, updates and removes a path: input; draws the input graph", async () => {
    expect((await server.request("/flakes", json({ path: "dep" }))).status).toBe(201)
    expect((await server.request("/flakes", json({ path: "app" }))).status).toBe(201)
    const added = await server.request("/flakes/inputs", json({ path: "app", input: { name: "dep", ref: `path:${join(server.root, "dep")}` } }))
    expect(added.status).toBe(200)
    expect(((await added.json()) as Recorded).events.map((e) => e.type)).toContain("FlakeInputAdded")
    expect(readFileSync(join(server.root, "app", "flake.nix"), "utf8")).toContain("inputs.dep")
    const graph = (await (await server.request("/flakes/graph?path=app")).json()) as { nodes: ReadonlyArray<{ id: string }> }
    expect(graph.nodes.map((n) => n.id)).toContain("dep")
    expect(await (await server.request("/flakes/graph?path=app&format=dot")).text()).toMatch(/^digraph/)
    const updated = await server.request("/flakes/update", json({ path: "app" }))
    expect(updated.status).toBe(200)
    expect(((await updated.json()) as { changes: ReadonlyArray<{ input: string }> }).changes.map((c) => c.input)).toEqual(["dep"])
    const removed = await server.request("/flakes/inputs?path=app&name=dep", { method: "DELETE" })
    expect(removed.status).toBe(200)
    expect(readFileSync(join(server.root, "app", "flake.nix"), "utf8")).not.toContain("inputs.dep")
    expect((await server.request("/flakes/graph?path=nowhere")).status).toBe(404)
    // Nix refusing to lock an input (a path without flake.nix) is a FlakeError carrying its stderr: 422.
    mkdirSync(join(server.root, "not-a-flake"))
    const refused = await server.request("/flakes/inputs", json({ path: "app", input: { name: "nf", ref: `path:${join(server.root, "not-a-flake")}` } }))
    expect(refused.status).toBe(422)
    expect((await errorBody(refused)).error).toBe("FlakeError")
    expect(readFileSync(join(server.root, "app", "flake.nix"), "utf8")).not.toContain("inputs.nf")
  })

  it("POST /builds builds (or records the failure, 422), /evaluations evaluates, /gc collects (dry run)", async () => {
    const dir = join(server.root, "pkgs")
    shellFlake(dir, { ok: `echo ${Date.now()} > $out`, broken: "exit 3" })
    const built = await server.request("/builds", json({ installables: [`path:${dir}#ok`] }))
    expect(built.status).toBe(200)
    const { builds } = (await built.json()) as { builds: ReadonlyArray<Recorded & { outputs: { out: string }; built: boolean }> }
    expect(builds[0]!.outputs.out).toMatch(/^\/nix\/store\/.+-ok$/)
    expect(builds[0]!.events.map((e) => e.type)).toEqual(["PackageBuilt"])
    const broken = await server.request("/builds", { ...json({ installables: [`path:${dir}#broken`] }), headers: { "x-request-id": "build-broken-1" } })
    expect(broken.status).toBe(422)
    expect((await errorBody(broken)).error).toBe("BuildError")
    const failure = (await (await server.request("/events?correlationId=build-broken-1")).json()) as ReadonlyArray<{ type: string; causationId: string }>
    expect(failure.map((e) => [e.type, e.causationId])).toEqual([["PackageBuildFailed", "build-broken-1"]])
    const history = await server.request(`/packages?flakeRef=${encodeURIComponent(`path:${dir}`)}&attributePath=broken&system=x86_64-linux`)
    expect(await history.json()).toMatchObject({ builds: 1, failures: 1 })
    const evaluated = await server.request("/evaluations", json({ source: { _tag: "Expression", expression: "{ a = 1 + 2; }" } }))
    expect(evaluated.status).toBe(200)
    expect(await evaluated.json()).toMatchObject({ value: { a: 3 }, events: [{ type: "ExpressionEvaluated" }] })
    const outside = await server.request("/evaluations", json({ source: { _tag: "File", path: "/etc/passwd" } }))
    expect(outside.status).toBe(400)
    const gc = await server.request("/gc", json({ dryRun: true }))
    expect(gc.status).toBe(200)
    expect(await gc.json()).toMatchObject({ result: { dryRun: true }, events: [{ type: "GarbageCollected" }] })
  })

  it("builds, evaluations and collections record the request id as the correlation and causation id of their events", async () => {
    const dir = join(server.root, "correlated")
    shellFlake(dir, { one: `echo ${Date.now()} > $out` })
    const requests = [
      ["build-7", "/builds", { installables: [`path:${dir}#one`] }, "PackageBuilt"],
      ["eval-7", "/evaluations", { source: { _tag: "Expression", expression: "1 + 1" } }, "ExpressionEvaluated"],
      ["gc-7", "/gc", { dryRun: true }, "GarbageCollected"]
    ] as const
    for (const [id, path, body, type] of requests) {
      const response = await server.request(path, { ...json(body), headers: { "x-request-id": id } })
      expect([path, response.status]).toEqual([path, 200])
      expect(response.headers.get("x-request-id")).toBe(id)
      const answer = (await response.json()) as Recorded & { builds?: ReadonlyArray<Recorded> }
      const recorded = answer.builds?.flatMap((b) => b.events) ?? answer.events
      expect(recorded.map((e) => [e.type, e.correlationId, e.causationId])).toEqual([[type, id, id]])
      const listed = (await (await server.request(`/events?correlationId=${id}`)).json()) as ReadonlyArray<{ position: number }>
      expect(listed.map((e) => e.position)).toEqual(recorded.map((e) => e.position))
    }
    const accepted = await server.request("/builds", { ...json({ installables: [`path:${dir}#one`] }), headers: { prefer: "respond-async", "x-request-id": "build-async-7" } })
    expect(accepted.status).toBe(202)
    expect(accepted.headers.get("x-request-id")).toBe("build-async-7")
    const { job } = (await accepted.json()) as { job: string }
    await (await server.request(`/builds/jobs/${job}/stream`)).text()
    const fromJob = (await (await server.request(`/builds/jobs/${job}`)).json()) as { result: { builds: ReadonlyArray<Recorded> } }
    expect(fromJob.result.builds[0]!.events.map((e) => e.correlationId)).toEqual(["build-async-7"])
  })

  it("POST /builds with Prefer: respond-async answers 202 with a job whose progress and result stream over SSE", async () => {
    const dir = join(server.root, "async")
    const marker = `log-${Date.now()}`
    shellFlake(dir, { ok: `echo ${marker}; echo > $out`, broken: "exit 4" })
    const accepted = await server.request("/builds", { ...json({ installables: [`path:${dir}#ok`] }), headers: { prefer: "respond-async" } })
    expect(accepted.status).toBe(202)
    const { job, stream } = (await accepted.json()) as { job: string; stream: string }
    expect(accepted.headers.get("location")).toBe(`/builds/jobs/${job}`)
    const text = await (await server.request(stream)).text()
    expect(text).toContain("event: progress")
    expect(text).toContain(marker)
    expect(text.trimEnd().split("\n\n").at(-1)).toMatch(/^event: result\ndata: \{"builds":\[/)
    expect(await (await server.request(`/builds/jobs/${job}`)).json()).toMatchObject({ id: job, status: "succeeded", result: { builds: [{ built: true }] } })
    const failing = (await (await server.request("/builds", { ...json({ installables: [`path:${dir}#broken`] }), headers: { prefer: "respond-async" } })).json()) as { job: string; stream: string }
    expect(await (await server.request(failing.stream)).text()).toContain("event: error\ndata: {\"error\":\"BuildError\"")
    expect(await (await server.request(`/builds/jobs/${failing.job}`)).json()).toMatchObject({ status: "failed", error: { error: "BuildError" } })
    expect((await server.request("/builds/jobs/unknown")).status).toBe(404)
  })

  it("GET /search indexes a flake's packages once; POST /configurations writes a host and GET /configurations finds it", async () => {
    const dir = join(server.root, "searchable")
    shellFlake(dir, { hello: "echo > $out", other: "echo > $out" })
    const found = await server.request(`/search?flake=${encodeURIComponent(`path:${dir}`)}&regex=hel`)
    expect(found.status).toBe(200)
    expect(await found.json()).toMatchObject({ hits: [{ attrPath: "packages.x86_64-linux.hello" }], indexed: 2, refreshed: true })
    const again = (await (await server.request(`/search?flake=${encodeURIComponent(`path:${dir}`)}&regex=oth`)).json()) as { refreshed: boolean }
    expect(again.refreshed).toBe(false)
    const created = await server.request("/configurations", json({ configuration: { flake: "hosts", hostname: "web", system: "x86_64-linux" } }))
    expect(created.status).toBe(201)
    expect(((await created.json()) as Recorded).events.map((e) => e.type)).toEqual(["ConfigurationCreated"])
    expect(existsSync(join(server.root, "hosts", "nixos", "web.nix"))).toBe(true)
    const view = await server.request("/configurations?flake=hosts&hostname=web")
    expect(await view.json()).toMatchObject({ hostname: "web", system: "x86_64-linux", generations: [] })
    const outside = await server.request("/configurations", json({ configuration: { flake: "/etc/nixos", hostname: "web", system: "x86_64-linux" } }))
    expect(outside.status).toBe(400)
    const before = await position(server)
    for (const path of ["/configurations/activate", "/configurations/rollback"]) {
      const systemProfile = await server.request(path, json({ flake: "hosts", hostname: "web", mode: "switch" }))
      expect(systemProfile.status).toBe(400)
      expect((await errorBody(systemProfile)).message).toContain("/nix/var/nix/profiles")
    }
    const unknown = await server.request("/configurations/activate", json({ flake: "hosts", hostname: "db", mode: "dry-activate", profile: "profiles/system" }))
    expect(unknown.status).toBe(400)
    expect((await errorBody(unknown)).error).toBe("ValidationError")
    expect(await position(server)).toBe(before)
    expect(existsSync(join(server.root, "profiles"))).toBe(false)
  })

  it("refuses paths outside the roots with 400, writing and recording nothing", async () => {
    const before = await position(server)
    for (const [path, body] of [["/flakes", { path: "/tmp/outside-flake" }], ["/modules", { file: "../escape.nix", module: { name: "escape" } }], ["/flakes/check", { path: "/etc" }]] as const) {
      const response = await server.request(path, json(body))
      expect(response.status).toBe(400)
      expect((await errorBody(response)).error).toBe("IoError")
    }
    expect(existsSync("/tmp/outside-flake")).toBe(false)
    expect(existsSync(join(server.root, "..", "escape.nix"))).toBe(false)
    expect(await position(server)).toBe(before)
  })

  it("answers 400 to bodies that are not JSON or do not fit, 413 to a streamed body over the limit", async () => {
    expect((await server.request("/modules", { method: "POST", body: "{not json" })).status).toBe(400)
    const misfit = await server.request("/modules", json({ file: "x.nix" }))
    expect(misfit.status).toBe(400)
    expect((await errorBody(misfit)).message).toContain("module")
    const url = new URL("/modules", server.url)
    const streamed = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(url, { method: "POST", headers: { authorization: `Bearer ${server.token}` } }, (response) => {
        response.resume()
        resolve(response.statusCode!)
      })
      request.on("error", reject)
      for (let i = 0; i < 10; i++) request.write("x".repeat(1000))
      request.end()
    })
    expect(streamed).toBe(413)
  })

  it("POST /modules and /overlays write their files; concurrent conflicting commands get 409 and leave no file", async () => {
    const module = await server.request("/modules", json({ file: "modules/web.nix", module: { name: "web", options: [{ name: "port", type: "port", default: 8080 }] } }))
    expect(module.status).toBe(201)
    expect(readFileSync(join(server.root, "modules", "web.nix"), "utf8")).toContain("lib.types.port")
    const overlay = await server.request("/overlays", json({ file: "overlays/default.nix", overlay: { name: "mine", removals: ["hello"] } }))
    expect(overlay.status).toBe(201)
    expect(readFileSync(join(server.root, "overlays", "default.nix"), "utf8")).toContain("hello = null")
    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async (i) => (await server.request("/modules", json({ file: `race/m${i}.nix`, module: { name: "race" } }))).status)
    )
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s !== 201).every((s) => s === 409 || s === 400)).toBe(true)
    expect(readdirSync(join(server.root, "race"))).toHaveLength(1)
  })

  it("bounds concurrent Nix work: beyond the slots and the queue, 503 with Retry-After", async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => server.request("/flakes/check", json({ path: "demo" }))))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1)
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true)
    const refused = responses.filter((r) => r.status === 503)
    expect(refused.length).toBeGreaterThanOrEqual(1)
    expect(refused[0]!.headers.get("retry-after")).toMatch(/^\d+$/)
    expect((await errorBody(refused[0]!)).error).toBe("Overloaded")
  })

  it("refuses an async build beyond the slots and the queue at once with 503, not as a failed job", async () => {
    const dir = join(server.root, "busy")
    shellFlake(dir, { busy: `: ${Date.now()}; i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo > $out` })
    const statuses: Array<number> = []
    const streams: Array<string> = []
    for (let i = 0; i < 4; i++) {
      const response = await server.request("/builds", { ...json({ installables: [`path:${dir}#busy`] }), headers: { prefer: "respond-async" } })
      statuses.push(response.status)
      if (response.status === 202) streams.push(((await response.json()) as { stream: string }).stream)
      else expect(response.headers.get("retry-after")).toMatch(/^\d+$/)
    }
    expect(statuses).toEqual([202, 202, 503, 503])
    for (const stream of streams) expect(await (await server.request(stream)).text()).toContain("event: result")
  })

  it("every response above matched the API description", () => {
    expect(server.violations()).toEqual([])
  })
})

describe("cim-nix-server limits and failures", () => {
  it("answers 504 to a Nix call over CIM_NIX_TIMEOUT, kills the builder and records nothing", async () => {
    const server = await Server.start({ CIM_NIX_TIMEOUT: "1" })
    try {
      const marker = `timeout-${Date.now()}`
      shellFlake(join(server.root, "slow"), { slow: `${marker}=1; while :; do :; done` })
      const before = await position(server)
      const started = Date.now()
      const response = await server.request("/builds", json({ installables: [`path:${join(server.root, "slow")}#slow`] }))
      expect(response.status).toBe(504)
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(await errorBody(response)).toMatchObject({ error: "CommandError", message: expect.stringContaining("timed out") })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(running(marker)).toBe(false)
      expect(await position(server)).toBe(before)
      expect(server.violations()).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it("starts with a SQLite store that cannot be opened: /healthz 200, the store's requests 503 with Retry-After", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cim-nix-server-"))
    writeFileSync(join(dir, "not-a-directory"), "")
    const server = await Server.start({ CIM_NIX_EVENT_STORE: `sqlite:${join(dir, "not-a-directory", "events.sqlite")}` }, dir)
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      const ready = await server.request("/readyz")
      expect(ready.status).toBe(503)
      expect(await ready.json()).toMatchObject({ status: "not ready", nix: { ok: true }, eventStore: { ok: false } })
      for (const path of ["/events", "/flakes?path=x"]) {
        const response = await server.request(path)
        expect([path, response.status]).toEqual([path, 503])
        expect(response.headers.get("retry-after")).toMatch(/^\d+$/)
        expect((await errorBody(response)).error).toBe("StoreUnavailable")
      }
      expect(server.violations()).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it("with NATS down answers 503 and writes nothing; recovers by itself once NATS is up", async () => {
    const port = await freePort()
    const server = await Server.start({ CIM_NIX_EVENT_STORE: `nats://127.0.0.1:${port}` })
    const natsDir = mkdtempSync(join(tmpdir(), "cim-nix-nats-"))
    let nats: ReturnType<typeof spawn> | undefined
    try {
      expect((await server.request("/readyz")).status).toBe(503)
      const refused = await server.request("/modules", json({ file: "modules/down.nix", module: { name: "down" } }))
      expect(refused.status).toBe(503)
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/)
      expect(await errorBody(refused)).toMatchObject({ error: "StoreUnavailable", message: expect.stringContaining(String(port)) })
      expect(existsSync(join(server.root, "modules", "down.nix"))).toBe(false)
      nats = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", natsDir], { stdio: "ignore" })
      let status = 0
      for (let i = 0; i < 100 && status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150))
        status = (await server.request("/readyz")).status
      }
      expect(status).toBe(200)
      const created = await server.request("/modules", { ...json({ file: "modules/up.nix", module: { name: "up" } }), headers: { "x-request-id": "after-recovery" } })
      expect(created.status).toBe(201)
      expect(((await created.json()) as Recorded).events.map((e) => e.correlationId)).toEqual(["after-recovery"])
      expect(server.violations()).toEqual([])
    } finally {
      await server.stop()
      if (nats?.exitCode === null) {
        const exited = new Promise((resolve) => nats!.once("exit", resolve))
        nats.kill("SIGTERM")
        await exited
      }
      rmSync(natsDir, { recursive: true, force: true })
    }
  })
})

describe("cim-nix-server token file and shutdown", () => {
  it("generates a token readable by its owner only, and uses it", async () => {
    const server = await Server.start({ CIM_NIX_TOKEN: undefined })
    try {
      const file = join(server.dir, "state", "cim-nix", "server-token")
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const token = readFileSync(file, "utf8").trim()
      expect(token.length).toBeGreaterThanOrEqual(32)
      expect((await fetch(`${server.url}/readyz`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
      expect((await fetch(`${server.url}/readyz`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401)
    } finally {
      await server.stop()
    }
  })

  it("reads CIM_NIX_SERVER_PORT and CIM_NIX_SERVER_TOKEN first", async () => {
    const token = "server-token-0123456789"
    const server = await Server.start({ CIM_NIX_PORT: "1", CIM_NIX_SERVER_PORT: "0", CIM_NIX_SERVER_TOKEN: token })
    try {
      expect((await fetch(`${server.url}/readyz`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
      expect((await fetch(`${server.url}/readyz`, { headers: { authorization: `Bearer ${Server.token}` } })).status).toBe(401)
    } finally {
      await server.stop()
    }
  })

  it("on SIGTERM lets an in-flight Nix command finish and record its events", async () => {
    const server = await Server.start()
    expect((await server.request("/flakes", json({ path: "f" }))).status).toBe(201)
    const pending = server.request("/flakes/check", json({ path: "f" }))
    await new Promise((resolve) => setTimeout(resolve, 100))
    server.child.kill("SIGTERM")
    const response = await pending
    expect(response.status).toBe(200)
    const checked = (await response.json()) as Recorded
    expect(checked.events.map((e) => e.type)).toEqual(["FlakeChecked"])
    expect(await server.stop()).toEqual([0, null])
    const restarted = await Server.start({}, server.dir)
    try {
      expect(await position(restarted)).toBe(checked.events[0]!.position)
    } finally {
      await restarted.stop()
    }
  })

  it("on SIGTERM during a build that outlives the deadline, interrupts it: Nix and its builder are killed, exit 0", async () => {
    const server = await Server.start({ CIM_NIX_SHUTDOWN_SECONDS: "1" })
    const marker = `spin-${Date.now()}`
    shellFlake(join(server.root, "slow"), { slow: `${marker}=1; while :; do :; done` })
    const pending = server.request("/builds", json({ installables: [`path:${join(server.root, "slow")}#slow`] })).then((r) => r.status, () => "dropped")
    for (let i = 0; i < 100 && !running(marker); i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(running(marker)).toBe(true)
    const started = Date.now()
    expect(await server.stop()).toEqual([0, null])
    expect(Date.now() - started).toBeLessThan(8000)
    expect([503, "dropped"]).toContain(await pending)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(running(marker)).toBe(false)
  })

  it("on SIGTERM ends open event streams, stops listening and exits 0", async () => {
    const server = await Server.start()
    const response = await server.request("/events/stream")
    const body = response.text()
    const [code, signal] = await server.stop()
    expect(code).toBe(0)
    expect(signal).toBeNull()
    expect(await body).toContain(": stream")
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
  })
})
