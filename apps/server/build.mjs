// Builds dist/cim-nix-server.mjs, the one-file HTTP server.
import { join } from "node:path"
import { bundle } from "../../tools/bundle.mjs"

await bundle({ entry: join(import.meta.dirname, "src/main.ts"), outfile: join(import.meta.dirname, "dist/cim-nix-server.mjs") })
