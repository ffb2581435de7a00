import type { UserConfig } from "vitest/config"
/** Vitest config for the project rooted at `dir`; `overrides.test` is merged into `test`. */
export declare const projectConfig: (dir: string, overrides?: { test?: UserConfig["test"] }) => UserConfig
/** `test` settings of a project whose tests need PostgreSQL: the global setup of tools/vitest/postgres.mjs. */
export declare const withPostgres: { globalSetup: Array<string> }
