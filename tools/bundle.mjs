// Bundles an app into one executable ESM file. Workspace packages are bundled from their
// TypeScript sources (the "@cim-nix/source" condition); native and wasm-loading modules stay
// external and are dependencies of the app package.
import { build } from "esbuild"
import { chmodSync } from "node:fs"

/** Bundles `entry` to `outfile` (made executable). */
export const bundle = async ({ entry, outfile }) => {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    conditions: ["@cim-nix/source"],
    external: ["better-sqlite3", "web-tree-sitter", "@cursorless/tree-sitter-wasms"],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cimCreateRequire } from 'node:module'; const require = __cimCreateRequire(import.meta.url);"
    },
    sourcemap: "linked",
    legalComments: "none",
    minify: true,
    keepNames: true,
    logLevel: "warning"
  })
  chmodSync(outfile, 0o755)
}
