/**
 * Benchmark of SearchNixPackages on a generated flake of 20,000 packages
 * (/work/shared/fixtures/synthetic-flake.sh): the time to build the index once (one
 * `nix search` + storing the read model in SQLite), then the latency of many queries answered
 * from the index (p50/p95: through the query handler, which reads the index's head from SQLite
 * each time, and the match alone on an index in memory), against `nix search <flake> <regex> --json`
 * for some of the same queries in the same run. Run with `node tools/bench/search.mjs`.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Layer, ManagedRuntime } from "effect"
import { SearchIndex, SearchNixPackages } from "@cim-nix/application"
import { FlakeRef } from "@cim-nix/domain"
import { NixCli } from "@cim-nix/adapter-nix-cli"
import { SqliteDatabase, SqliteProjectionStore } from "@cim-nix/adapter-event-store-sqlite"

const packages = Number(process.env["BENCH_PACKAGES"] ?? 20_000)
const env = { ...process.env, NIX_CONFIG: "substituters =" }
const fixture = process.env["SYNTHETIC_FLAKE"] ?? "/work/shared/fixtures/synthetic-flake.sh"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-search-bench-"))
execFileSync("bash", [fixture, Path.join(dir, "flake"), String(packages)], { stdio: "ignore" })
const flake = `path:${Path.join(dir, "flake")}`
process.env["NIX_CONFIG"] = "substituters ="

const runtime = ManagedRuntime.make(
  Layer.merge(NixCli.layer, SqliteProjectionStore.layer.pipe(Layer.provide(SqliteDatabase.layer({ filename: Path.join(dir, "read-models.sqlite") }))))
)

const ms = (start: number) => performance.now() - start
const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(Math.ceil(q * sorted.length), 1) - 1]!
}
const fmt = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 10 ? 2 : 1)} ms`)

// Queries: exact names, prefixes, ranges, versions, and no match, spread over the set.
const queries = Array.from({ length: 200 }, (_, i) => {
  const n = (i * 7919) % packages
  switch (i % 5) {
    case 0:
      return `^packages\\.x86_64-linux\\.pkg-${n}$`
    case 1:
      return `pkg-${n}`
    case 2:
      return `pkg-1[0-9]{2}${i % 10}$`
    case 3:
      return `1\\.${n}`
    default:
      return `no-such-package-${i}`
  }
})
const nixQueries = [queries[0]!, queries[1]!, queries[2]!, queries[4]!]

const main = async () => {
  const ref = await runtime.runPromise(FlakeRef.parse(flake))
  const buildStart = performance.now()
  const index = await runtime.runPromise(SearchNixPackages.refresh(ref))
  const buildMs = ms(buildStart)

  const handler: Array<number> = []
  const memory: Array<number> = []
  const counts = new Map<string, number>()
  for (let round = 0; round < 3; round++) {
    for (const regex of queries) {
      let start = performance.now()
      const found = await runtime.runPromise(SearchNixPackages.handle(SearchNixPackages.SearchNixPackages.make({ flake, regex })))
      handler.push(ms(start))
      if (found.refreshed) throw new Error("the index was rebuilt during the queries")
      counts.set(regex, found.hits.length)
      const compiled = new RegExp(regex, "i")
      start = performance.now()
      SearchIndex.search(index, compiled)
      memory.push(ms(start))
    }
  }

  const nix: Array<number> = []
  for (const regex of nixQueries) {
    const start = performance.now()
    const out = execFileSync("nix", ["--extra-experimental-features", "nix-command flakes", "search", "--json", flake, regex], { env, stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 26 })
    nix.push(ms(start))
    const expected = Object.keys(JSON.parse(out.toString())).length
    if (expected !== counts.get(regex)) throw new Error(`'${regex}': nix search found ${expected}, the index ${counts.get(regex)}`)
  }
  const version = execFileSync("nix", ["--version"]).toString().trim().replace(/^nix \(Nix\) /, "")
  await runtime.dispose()
  Fs.rmSync(dir, { recursive: true, force: true })

  const cpu = Os.cpus()[0]?.model ?? "unknown CPU"
  const load = Os.loadavg()[0]!.toFixed(1)
  console.log(`## Package search (SearchNixPackages)

Run with \`node tools/bench/search.mjs\` (about a minute). Measured ${new Date().toISOString().slice(0, 10)} with Nix ${version}, Node ${process.version},
${Os.cpus().length} cores (${cpu}), load average ${load} at the end (other jobs share the machine), \`NIX_CONFIG="substituters ="\`.
Flake: ${packages.toLocaleString("en")} generated packages (\`/work/shared/fixtures/synthetic-flake.sh\`, a \`path:\` flake, no eval cache).
The index is built once with one \`nix search --json <flake> ^\` and stored in the SQLite read-model store; ${queries.length} different
queries (exact attribute paths, name substrings, ranges, versions, no match), each run 3 times; \`nix search\` ran ${nixQueries.length} of the
same queries in the same run, and found the same packages as the index for each.

| what | p50 | p95 |
| --- | --- | --- |
| build the index once (nix search + store ${index.packages.length.toLocaleString("en")} packages) | ${fmt(buildMs)} | |
| query through the handler (reads the index head from SQLite; the packages are decoded once per refresh and kept by the process) | ${fmt(quantile(handler, 0.5))} | ${fmt(quantile(handler, 0.95))} |
| match alone (index in memory) | ${fmt(quantile(memory, 0.5))} | ${fmt(quantile(memory, 0.95))} |
| \`nix search <flake> <regex> --json\` | ${fmt(quantile(nix, 0.5))} | ${fmt(quantile(nix, 0.95))} |
`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
