// Builds dist/cim-nix.mjs, the one-file CLI (run from V8's code cache: tools/code-cache-loader.mjs).
import { join } from "node:path"
import { bundleWithCodeCache } from "../../tools/bundle.mjs"

await bundleWithCodeCache({ entry: join(import.meta.dirname, "src/main.ts"), outfile: join(import.meta.dirname, "dist/cim-nix.mjs"), name: "cim-nix" })
