// Shared vitest settings for every project in the workspace: workspace packages resolve to
// their TypeScript sources (the "@cim-nix/source" export condition), tests live in test/.
import { join } from "node:path"
import { defineConfig } from "vitest/config"

const conditions = ["@cim-nix/source", "import", "module", "node", "default"]

// Vitest hands the SSR conditions to Node (`--conditions`), where they apply to require() too:
// "import" there would make a CommonJS package's require() of a dual package (pg -> pg-pool)
// load its ESM build. Node adds "import" or "require" by itself.
const nodeConditions = ["@cim-nix/source", "node"]

/** Vitest config for the project rooted at `dir`; `overrides.test` is merged into `test`. */
export const projectConfig = (dir, overrides = {}) =>
  defineConfig({
    root: dir,
    resolve: { conditions },
    ssr: { resolve: { conditions: nodeConditions, externalConditions: nodeConditions } },
    test: {
      include: ["test/**/*.test.ts"],
      environment: "node",
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ["default"],
      ...overrides.test
    }
  })

/** `test` settings of a project whose tests need PostgreSQL: the global setup of tools/vitest/postgres.mjs. */
export const withPostgres = { globalSetup: [join(import.meta.dirname, "postgres.mjs")] }
