// Cold start of the bundled CLI: `cim-nix ref parse` (no nix process) against `node -e 0`,
// interleaved in the same run, with V8's code cache in place (every run after the first) and
// without it (CIM_NIX_CODE_CACHE=0: the first run after an install or upgrade); writes the
// "CLI cold start" section of BENCHMARKS.md.
// Usage: node tools/bench/cli-start.mjs [--no-write]   (BENCH_RUNS=n, default 15)
import { spawnSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { cpus, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { writeSection } from "./report.mjs"

const root = join(import.meta.dirname, "..", "..")
const bundle = join(root, "apps/cli/dist/cim-nix.mjs")
const built = spawnSync(process.execPath, [join(root, "apps/cli/build.mjs")], { stdio: "inherit" })
if (built.status !== 0) process.exit(built.status ?? 1)

const cacheHome = mkdtempSync(join(tmpdir(), "cim-nix-bench-cache-"))
const time = (args, env = {}) => {
  const started = process.hrtime.bigint()
  const run = spawnSync(process.execPath, args, { stdio: "ignore", env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...env } })
  if (run.status !== 0) throw new Error(`${args.join(" ")} exited with ${run.status}`)
  return Number(process.hrtime.bigint() - started) / 1e6
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const runs = Number(process.env.BENCH_RUNS ?? 15)
const refParse = [bundle, "ref", "parse", "github:NixOS/nixpkgs/nixos-24.05", "--json"]
time(refParse) // stores the code cache
const cli = []
const uncached = []
const node = []
for (let i = 0; i < runs; i++) {
  cli.push(time(refParse))
  uncached.push(time(refParse, { CIM_NIX_CODE_CACHE: "0" }))
  node.push(time(["-e", "0"]))
}
const section = `## CLI cold start

Run with \`node tools/bench/cli-start.mjs\`. Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version},
${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), load average ${loadavg()[0].toFixed(1)} at the end; medians of ${runs}
interleaved runs. The bundle is \`apps/cli/dist/cim-nix.mjs\` (minified; it runs the program from V8's code
cache, stored by its first run, see tools/code-cache-loader.mjs); the target is under 150 ms more than \`node -e 0\`.

| command | median | added to \`node -e 0\` |
| --- | --- | --- |
| \`node -e 0\` | ${median(node).toFixed(0)} ms | |
| \`cim-nix ref parse github:NixOS/nixpkgs/nixos-24.05 --json\` | ${median(cli).toFixed(0)} ms | ${(median(cli) - median(node)).toFixed(0)} ms |
| the same without the code cache (a first run) | ${median(uncached).toFixed(0)} ms | ${(median(uncached) - median(node)).toFixed(0)} ms |
`
process.stdout.write(section)
if (!process.argv.includes("--no-write")) writeSection("cli-start", section)
