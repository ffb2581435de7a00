import { projectConfig, withPostgres } from "./vitest/preset.mjs"

export default projectConfig(import.meta.dirname, { test: { include: ["test/**/*.test.mjs"], testTimeout: 60_000, ...withPostgres } })
