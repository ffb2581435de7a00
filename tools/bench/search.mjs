// Benchmark of SearchNixPackages (apps/cli/test/bench/search.bench.ts): index build time on a
// 20,000-package flake, query p50/p95 from the index, against `nix search` for the same queries;
// writes the "Package search" section of BENCHMARKS.md. Usage: node tools/bench/search.mjs [--no-write]
// The bundle is written inside apps/cli (and removed), where Node finds the native better-sqlite3.
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { bundle } from "../bundle.mjs"
import { writeSection } from "./report.mjs"

const app = join(import.meta.dirname, "..", "..", "apps", "cli")
const outfile = join(app, `.search-bench-${process.pid}.mjs`)
try {
  await bundle({ entry: join(app, "test", "bench", "search.bench.ts"), outfile })
  const run = spawnSync(process.execPath, [outfile], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" })
  if (run.status !== 0) process.exit(run.status ?? 1)
  process.stdout.write(run.stdout)
  if (!process.argv.includes("--no-write")) writeSection("search", run.stdout)
} finally {
  rmSync(outfile, { force: true })
  rmSync(`${outfile}.map`, { force: true })
}
