import { projectConfig } from "../../tools/vitest/preset.mjs"

export default projectConfig(import.meta.dirname)
