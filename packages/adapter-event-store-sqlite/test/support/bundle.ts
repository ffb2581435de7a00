/**
 * Bundles a TypeScript entry (and the workspace sources it imports) into one ESM file that a
 * child `node` process can run, the native better-sqlite3 driver left external by its absolute
 * path. Used by the tests that need several OS processes on one database.
 */
import { build } from "esbuild"
import { createRequire } from "node:module"
import { join } from "node:path"

const sqliteClient = createRequire(import.meta.url).resolve("@effect/sql-sqlite-node")
const betterSqlite3 = createRequire(sqliteClient).resolve("better-sqlite3")

/** Writes the bundle of `entry` into `dir` and returns its path. */
export const bundle = async (entry: string, dir: string): Promise<string> => {
  const outfile = join(dir, "child.mjs")
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@cim-nix/source"],
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    plugins: [{
      name: "native-driver",
      setup: (b) => b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: betterSqlite3, external: true }))
    }]
  })
  return outfile
}
