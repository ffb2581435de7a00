// Builds dist/cim-nix.mjs, the one-file CLI.
import { join } from "node:path"
import { bundle } from "../../tools/bundle.mjs"

await bundle({ entry: join(import.meta.dirname, "src/main.ts"), outfile: join(import.meta.dirname, "dist/cim-nix.mjs") })
