// `pnpm --silent cim-nix <args>`: runs the bundled CLI (apps/cli/dist/cim-nix.mjs), building it first
// when it is missing or older than any source it is bundled from. `--app=server` as the first
// argument runs the HTTP server instead (`pnpm --silent cim-nix-server`, apps/server/dist/cim-nix-server.mjs).
// SIGINT, SIGTERM and SIGHUP are passed on to the app, whose exit code is this one's.
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..")

/** The apps that can be run: their directory (with `build.mjs`) and their bundle. */
const apps = {
  cli: { name: "cim-nix", dir: "apps/cli", bundle: "apps/cli/dist/cim-nix.mjs" },
  server: { name: "cim-nix-server", dir: "apps/server", bundle: "apps/server/dist/cim-nix-server.mjs" }
}

const [first, ...rest] = process.argv.slice(2)
const chosen = first?.startsWith("--app=") ? first.slice("--app=".length) : "cli"
const args = first?.startsWith("--app=") ? rest : process.argv.slice(2)
const app = apps[chosen]
if (app === undefined) {
  console.error(`run-cli: unknown app ${chosen}; known: ${Object.keys(apps).join(", ")}`)
  process.exit(2)
}
const bundle = join(root, app.bundle)

const newestMtime = (dir) => {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

const sources = [join(root, app.dir), ...readdirSync(join(root, "packages")).map((p) => join(root, "packages", p, "src"))]
const stale = !existsSync(bundle) || sources.some((dir) => existsSync(dir) && newestMtime(dir) > statSync(bundle).mtimeMs)
if (stale) {
  const build = spawnSync(process.execPath, [join(root, app.dir, "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] })
  if (build.status !== 0) {
    console.error(`${app.name}: building it failed (see above); run \`pnpm setup\` if dependencies are missing`)
    process.exit(build.status ?? 1)
  }
}
const child = spawn(process.execPath, [bundle, ...args], { stdio: "inherit" })
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal))
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
