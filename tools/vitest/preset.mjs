// Shared vitest settings for every project in the workspace: workspace packages resolve to
// their TypeScript sources (the "@cim-nix/source" export condition), tests live in test/.
import { defineConfig } from "vitest/config"

const conditions = ["@cim-nix/source", "import", "module", "node", "default"]

/** Vitest config for the project rooted at `dir`; `overrides.test` is merged into `test`. */
export const projectConfig = (dir, overrides = {}) =>
  defineConfig({
    root: dir,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: conditions } },
    test: {
      include: ["test/**/*.test.ts"],
      environment: "node",
      testTimeout: 30_000,
      hookTimeout: 60_000,
      reporters: ["default"],
      ...overrides.test
    }
  })
