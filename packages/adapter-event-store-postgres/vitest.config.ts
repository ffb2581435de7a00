import { projectConfig, withPostgres } from "../../tools/vitest/preset.mjs"

export default projectConfig(import.meta.dirname, { test: withPostgres })
