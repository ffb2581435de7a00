// `pnpm -s cim-nix <args>`: runs the bundled CLI (apps/cli/dist/cim-nix.mjs), building it first
// when it is missing or older than any source it is bundled from.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")
const bundle = join(root, "apps/cli/dist/cim-nix.mjs")

const newestMtime = (dir) => {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

const sources = [join(root, "apps/cli"), ...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "src"))]
const stale = !existsSync(bundle) || sources.some((dir) => existsSync(dir) && newestMtime(dir) > statSync(bundle).mtimeMs)
if (stale) {
  const build = spawnSync(process.execPath, [join(root, "apps/cli/build.mjs")], { stdio: ["ignore", "ignore", "inherit"] })
  if (build.status !== 0) {
    console.error("cim-nix: building the CLI failed (see above); run `pnpm setup` if dependencies are missing")
    process.exit(build.status ?? 1)
  }
}
const run = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { stdio: "inherit" })
process.exit(run.status ?? (run.signal ? 128 : 1))
