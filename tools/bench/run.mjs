// `pnpm bench`: runs every benchmark of tools/bench one after the other (each compares against
// a raw baseline in the same run and rewrites its own section of BENCHMARKS.md).
// `pnpm bench <name>...` runs only those (e.g. `pnpm bench nix-cli`); `--no-write` only prints.
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { join } from "node:path"

const helpers = new Set(["run.mjs", "report.mjs", "event-store-bundle.mjs"])
const all = readdirSync(import.meta.dirname).filter((f) => f.endsWith(".mjs") && !helpers.has(f)).map((f) => f.slice(0, -4)).sort()
const names = process.argv.slice(2).filter((a) => !a.startsWith("--"))
const unknown = names.filter((n) => !all.includes(n))
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; available: ${all.join(", ")}`)
  process.exit(2)
}
const flags = process.argv.slice(2).filter((a) => a.startsWith("--"))
for (const name of names.length > 0 ? names : all) {
  console.error(`==> ${name}`)
  const run = spawnSync(process.execPath, [join(import.meta.dirname, `${name}.mjs`), ...flags], { stdio: "inherit" })
  if (run.status !== 0) process.exit(run.status ?? 1)
}
