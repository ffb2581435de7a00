// Runs a benchmark written in TypeScript and keeps its results in BENCHMARKS.md: the benchmark
// is bundled from the workspace sources (tools/bundle.mjs), run with node, and the Markdown
// section it prints replaces the text between `<!-- <name>:begin -->` and `<!-- <name>:end -->`
// (appended when absent). `--no-write` on the command line only prints it.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { bundle } from "../bundle.mjs"

const root = join(import.meta.dirname, "..", "..")

/** Replaces (or appends) the section `name` of BENCHMARKS.md with `markdown`. */
export const writeSection = (name, markdown) => {
  const file = join(root, "BENCHMARKS.md")
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  const block = `${begin}\n${markdown.trim()}\n${end}`
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n"
  const at = text.indexOf(begin)
  const next = at === -1 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, at)}${block}${text.slice(text.indexOf(end, at) + end.length)}`
  writeFileSync(file, next)
}

/** Bundles and runs the benchmark `entry` (relative to the repository), then records its section `name`. */
export const runBenchmark = async (name, entry) => {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-bench-"))
  try {
    const outfile = join(dir, `${name}.bench.mjs`)
    await bundle({ entry: join(root, entry), outfile })
    const run = spawnSync(process.execPath, [outfile], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 1 << 24 })
    if (run.status !== 0) process.exit(run.status ?? 1)
    process.stdout.write(run.stdout)
    if (!process.argv.includes("--no-write")) writeSection(name, run.stdout)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
