// Benchmarks of the Nix adapter (packages/adapter-nix-cli/test/bench/NixCli.bench.ts): bundles
// the benchmark with esbuild, runs it, and replaces the "Nix adapter" section of BENCHMARKS.md
// with its results. Usage: node tools/bench/nix-cli.mjs [--no-write]
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = join(import.meta.dirname, "..", "..")
const outfile = join(mkdtempSync(join(tmpdir(), "cim-nix-bench-")), "nix-cli.bench.mjs")
await build({
  entryPoints: [join(root, "packages/adapter-nix-cli/test/bench/NixCli.bench.ts")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["@cim-nix/source"],
  banner: { js: "import { createRequire as __cimCreateRequire } from 'node:module'; const require = __cimCreateRequire(import.meta.url);" },
  logLevel: "warning"
})
const run = spawnSync(process.execPath, [outfile], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 1 << 24 })
if (run.status !== 0) process.exit(run.status ?? 1)
const section = run.stdout
process.stdout.write(section)
if (!process.argv.includes("--no-write")) {
  const file = join(root, "BENCHMARKS.md")
  const begin = "<!-- nix-cli:begin -->"
  const end = "<!-- nix-cli:end -->"
  const block = `${begin}\n${section.trim()}\n${end}`
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n"
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(file, next)
}
