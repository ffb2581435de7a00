// Bundles an app into one executable file. Workspace packages are bundled from their
// TypeScript sources (the "@cim-nix/source" condition); native and wasm-loading modules stay
// external and are dependencies of the app package.
import { build } from "esbuild"
import { createHash } from "node:crypto"
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"

const shared = {
  bundle: true,
  platform: "node",
  target: "node20",
  conditions: ["@cim-nix/source"],
  external: ["better-sqlite3", "web-tree-sitter", "@cursorless/tree-sitter-wasms"],
  legalComments: "none",
  minify: true,
  keepNames: true,
  logLevel: "warning"
}

/** Bundles `entry` to `outfile`, an executable ES module. */
export const bundle = async ({ entry, outfile }) => {
  await build({
    ...shared,
    entryPoints: [entry],
    outfile,
    format: "esm",
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __cimCreateRequire } from 'node:module'; const require = __cimCreateRequire(import.meta.url);"
    },
    sourcemap: "linked"
  })
  chmodSync(outfile, 0o755)
}

/**
 * Bundles `entry` as a CommonJS program and embeds it as text in `outfile`, an executable ES
 * module (tools/code-cache-loader.mjs; the program follows it as line comments) that runs it from V8's code cache: for a command-line
 * tool whose start-up time is mostly compiling. The source map is `<outfile>.bundle.cjs.map`;
 * `define` replaces global identifiers with the given JavaScript literals (esbuild's define).
 */
export const bundleWithCodeCache = async ({ entry, outfile, name, define = {} }) => {
  const program = outfile.replace(/\.mjs$/, ".bundle.cjs")
  const result = await build({
    ...shared,
    entryPoints: [entry],
    outfile: program,
    format: "cjs",
    write: false,
    define: { ...define, "import.meta.url": "__cimImportMetaUrl" },
    banner: { js: "const __cimImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    sourcemap: "linked"
  })
  const text = (suffix) => result.outputFiles.find((f) => f.path.endsWith(suffix)).text
  mkdirSync(dirname(outfile), { recursive: true })
  writeFileSync(`${program}.map`, text(".map"))
  const source = text(basename(program))
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16)
  const loader = readFileSync(join(import.meta.dirname, "code-cache-loader.mjs"), "utf8")
    .replace(`"__NAME__"`, () => JSON.stringify(`${name}-${hash}`))
  if (/[\r\u2028\u2029]/.test(source)) throw new Error(`${program}: a line terminator other than \\n would end a comment line`)
  writeFileSync(outfile, `${loader}\n// program\n${source.split("\n").map((line) => `//${line}`).join("\n")}`)
  chmodSync(outfile, 0o755)
}
