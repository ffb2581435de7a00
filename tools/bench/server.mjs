// Load benchmark of the HTTP server (apps/server): the bundled server on a free port with real
// Nix and a SQLite store in a temporary directory, driven by an in-process load generator over
// keep-alive connections on 127.0.0.1 only, for a bounded time.
// 1. Query throughput and latency (p50/p95/p99) of a read-model query (`GET /flakes?path=`,
//    FindFlake) against two baselines in the same run: the server's `GET /healthz` (HTTP stack
//    and middleware, no token check, no handler work) and a bare node:http server answering the
//    same bytes. Targets are measured in interleaved rounds.
// 2. 50 concurrent clients on `POST /builds` (an already-built package, so each request is one
//    `nix build` that finds the outputs valid): how many got 2xx, how many the documented 503 with
//    Retry-After (clients then wait that long, as told), and any other status, which fails the run.
// Writes the "HTTP server" section of BENCHMARKS.md. Usage: node tools/bench/server.mjs [--no-write]
// (BENCH_SECONDS=n per query round, default 5; BENCH_BUILD_SECONDS=n, default 30).
import { spawn, spawnSync } from "node:child_process"
import { once } from "node:events"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { writeSection } from "./report.mjs"

const root = join(import.meta.dirname, "..", "..")
const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const buildSeconds = Number(process.env.BENCH_BUILD_SECONDS ?? 30)
const queryConnections = 10
const buildClients = 50
const token = "bench-token-0123456789abcdef"

const built = spawnSync(process.execPath, [join(root, "apps/server/build.mjs")], { stdio: "inherit" })
if (built.status !== 0) process.exit(built.status ?? 1)

/** Starts `args` with node and waits for the line `pattern` captures the port from. */
const startProcess = async (args, env, pattern) => {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  const port = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString()
      const found = pattern.exec(output)?.[1]
      if (found !== undefined) resolve(Number(found))
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", onData)
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited (${code}) before listening:\n${output}`)))
  })
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = once(child, "exit")
      child.kill("SIGTERM")
      await exited
    }
  }
}

/** One request; resolves with its status, latency (ms), Retry-After and body. */
const send = (agent, port, { path, method = "GET", body, headers = {} }) =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const req = request({ host: "127.0.0.1", port, path, method, agent, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      const chunks = []
      res.on("data", (chunk) => chunks.push(chunk))
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          retryAfter: res.headers["retry-after"],
          body: Buffer.concat(chunks).toString("utf8")
        }))
    })
    req.on("error", reject)
    req.end(body)
  })

/** `connections` clients sending `target` back to back for `duration` seconds. */
const hammer = async (port, target, connections, duration) => {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const latencies = []
  const statuses = new Map()
  const end = Date.now() + duration * 1000
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < end) {
      const { status, ms } = await send(agent, port, target)
      latencies.push(ms)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
  }))
  agent.destroy()
  return { latencies, statuses, duration }
}

const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1))
const count = (n) => n.toLocaleString("en-US")

const dir = mkdtempSync(join(tmpdir(), "cim-nix-bench-server-"))
const workspace = join(dir, "root")
mkdirSync(workspace)
const servers = []
let failed = false
try {
  const server = await startProcess([join(root, "apps/server/dist/cim-nix-server.mjs")], {
    NIX_CONFIG: "substituters =",
    CIM_NIX_SERVER_PORT: "0",
    CIM_NIX_SERVER_TOKEN: token,
    CIM_NIX_ROOTS: workspace,
    CIM_NIX_EVENT_STORE: `sqlite:${join(dir, "events.sqlite")}`,
    XDG_STATE_HOME: join(dir, "state")
  }, /listening on http:\/\/[^:]+:(\d+)/)
  servers.push(server)
  const agent = new Agent({ keepAlive: true })
  const json = (path, value) => ({ path, method: "POST", body: JSON.stringify(value), headers: { "content-type": "application/json" } })

  // The read model to query: one flake.
  const created = await send(agent, server.port, json("/flakes", { path: "bench", description: "benchmark" }))
  if (created.status !== 201) throw new Error(`POST /flakes: ${created.status} ${created.body}`)
  const query = { path: "/flakes?path=bench" }
  const answer = await send(agent, server.port, query)
  if (answer.status !== 200) throw new Error(`GET ${query.path}: ${answer.status} ${answer.body}`)

  // The bare baseline answers the query's bytes.
  const bare = await startProcess([
    "-e",
    `const body = ${JSON.stringify(answer.body)}; require("node:http").createServer((q, s) => { s.setHeader("content-type", "application/json"); s.end(body) }).listen(0, "127.0.0.1", function () { console.log("port " + this.address().port) })`
  ], {}, /port (\d+)/)
  servers.push(bare)

  const targets = [
    { name: "bare `node:http` server, same body", port: bare.port, target: { path: "/" } },
    { name: "`GET /healthz`", port: server.port, target: { path: "/healthz" } },
    { name: "`GET /flakes?path=bench` (FindFlake, read model)", port: server.port, target: query }
  ]
  const results = targets.map(() => ({ latencies: [], requests: 0, duration: 0, other: 0 }))
  for (const round of [0, 1]) {
    for (const i of round === 0 ? [0, 1, 2] : [2, 1, 0]) {
      const { port, target } = targets[i]
      await hammer(port, target, queryConnections, 1) // warm-up
      const run = await hammer(port, target, queryConnections, seconds)
      const r = results[i]
      for (const latency of run.latencies) r.latencies.push(latency)
      r.requests += run.latencies.length
      r.duration += run.duration
      r.other += [...run.statuses].filter(([status]) => status !== 200).reduce((n, [, c]) => n + c, 0)
    }
  }
  if (results.some((r) => r.other > 0)) throw new Error(`non-200 answers to queries: ${results.map((r) => r.other).join(", ")}`)

  // 50 concurrent build clients; a refused client waits Retry-After seconds, as told.
  const flake = join(workspace, "pkgs")
  mkdirSync(flake)
  writeFileSync(
    join(flake, "flake.nix"),
    `{ outputs = { self }: { packages.x86_64-linux.hello = derivation { name = "bench-hello"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo hello > $out" ]; }; }; }\n`
  )
  const build = json("/builds", { installables: [`path:${flake}#hello`] })
  const first = await send(agent, server.port, build)
  if (first.status !== 200) throw new Error(`POST /builds: ${first.status} ${first.body}`)
  const buildAgent = new Agent({ keepAlive: true, maxSockets: buildClients })
  const outcomes = []
  const firstWave = []
  const started = Date.now()
  const end = started + buildSeconds * 1000
  await Promise.all(Array.from({ length: buildClients }, async () => {
    let wave = true
    while (Date.now() < end) {
      const outcome = await send(buildAgent, server.port, build)
      outcomes.push(outcome)
      if (wave) firstWave.push(outcome.status)
      wave = false
      if (outcome.status === 503) await new Promise((resolve) => setTimeout(resolve, Number(outcome.retryAfter ?? 5) * 1000))
    }
  }))
  const elapsed = (Date.now() - started) / 1000
  buildAgent.destroy()
  agent.destroy()
  const ok = outcomes.filter((o) => o.status >= 200 && o.status < 300)
  const refused = outcomes.filter((o) => o.status === 503)
  const documented = refused.filter((o) => /^\d+$/.test(o.retryAfter ?? "") && JSON.parse(o.body).error === "Overloaded")
  const other = outcomes.filter((o) => !(o.status >= 200 && o.status < 300) && o.status !== 503)
  const okLatencies = ok.map((o) => o.ms).sort((a, b) => a - b)

  const rows = results.map((r, i) => {
    const sorted = r.latencies.sort((a, b) => a - b)
    return `| ${targets[i].name} | ${count(Math.round(r.requests / r.duration))} | ${ms(percentile(sorted, 0.5))} ms | ${ms(percentile(sorted, 0.95))} ms | ${ms(percentile(sorted, 0.99))} ms | ${count(r.requests)} |`
  })
  const statusList = (list) => [...new Set(list)].sort().map((s) => `${s}: ${list.filter((x) => x === s).length}`).join(", ")
  const section = `## HTTP server (apps/server)

Run with \`node tools/bench/server.mjs\`. Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version},
${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), load average ${loadavg()[0].toFixed(1)} at the end; the
load generator runs in the benchmark's own process on the same cores, over keep-alive connections to 127.0.0.1.
The bundled server runs with real Nix and a SQLite store in a temporary directory, default limits
(2 Nix slots, a queue of 16).

Queries: ${queryConnections} connections sending back to back, two interleaved rounds of ${seconds} s per target (after 1 s of
warm-up), latencies of both rounds pooled. Every answer was 200.

| target | requests/s | p50 | p95 | p99 | requests |
| --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

Builds: ${buildClients} clients at once on \`POST /builds\` for ${elapsed.toFixed(0)} s, each request one \`nix build\` of an
already-built package; a client answered 503 waits the Retry-After it was given, then sends again.

| | count |
| --- | --- |
| requests | ${count(outcomes.length)} |
| 2xx (built) | ${count(ok.length)} (${(ok.length / elapsed).toFixed(1)}/s; p50 ${ms(percentile(okLatencies, 0.5))} ms, p95 ${ms(percentile(okLatencies, 0.95))} ms, p99 ${ms(percentile(okLatencies, 0.99))} ms) |
| 503 Overloaded with Retry-After | ${count(documented.length)} |
| 503 without Retry-After, or not Overloaded | ${count(refused.length - documented.length)} |
| any other status | ${count(other.length)} |
| first wave of ${buildClients} | ${statusList(firstWave)} |
`
  process.stdout.write(section)
  if (other.length > 0 || refused.length !== documented.length) {
    console.error(`undocumented answers to builds: ${JSON.stringify([...other, ...refused.filter((o) => !documented.includes(o))].slice(0, 3))}`)
    failed = true
  } else if (!process.argv.includes("--no-write")) writeSection("server", section)
} finally {
  for (const s of servers) await s.stop()
  rmSync(dir, { recursive: true, force: true })
}
if (failed) process.exit(1)
