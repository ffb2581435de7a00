// Builds dist/cim-nix.mjs, the one-file CLI (run from V8's code cache: tools/code-cache-loader.mjs).
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { bundleWithCodeCache } from "../../tools/bundle.mjs"

const { version } = JSON.parse(readFileSync(join(import.meta.dirname, "package.json"), "utf8"))

await bundleWithCodeCache({
  entry: join(import.meta.dirname, "src/main.ts"),
  outfile: join(import.meta.dirname, "dist/cim-nix.mjs"),
  name: "cim-nix",
  define: { CIM_NIX_VERSION: JSON.stringify(version) }
})
