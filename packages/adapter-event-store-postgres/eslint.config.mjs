import { configFor } from "../../eslint.config.mjs"

export default configFor("adapter")
