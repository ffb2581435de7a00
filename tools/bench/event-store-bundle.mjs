// Bundles a TypeScript entry of the event-store adapters (a benchmark, or a child process of a
// test) into one ESM file that node runs from any directory: workspace packages from their
// sources (the "@cim-nix/source" condition), the native better-sqlite3 driver left external by
// its absolute path.
import { build } from "esbuild"
import { createRequire } from "node:module"
import { join } from "node:path"

const adapter = createRequire(join(import.meta.dirname, "..", "..", "packages", "adapter-event-store-sqlite", "package.json"))
const betterSqlite3 = adapter.resolve("better-sqlite3")

/** Bundles `entry` into `outfile`. */
export const bundle = async (entry, outfile) => {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@cim-nix/source"],
    logLevel: "error",
    banner: { js: "import { createRequire as __cimRequire } from 'node:module'; const require = __cimRequire(import.meta.url);" },
    plugins: [{
      name: "native-driver",
      setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite3, external: true }))
    }]
  })
}

/** The absolute path of the better-sqlite3 driver the SQLite adapter uses (for raw-driver baselines). */
export const betterSqlite3Path = betterSqlite3
