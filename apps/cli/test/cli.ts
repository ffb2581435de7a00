/**
 * Runs the bundled CLI (dist/cim-nix.mjs, built by the `build` target this project's tests
 * depend on) as a subprocess and captures what it printed.
 */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const bundle = join(import.meta.dirname, "..", "dist", "cim-nix.mjs")

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** A fresh state directory, so that the default SQLite event store is private to the test. */
export const stateDir = () => mkdtempSync(join(tmpdir(), "cim-nix-cli-"))

/** Runs `cim-nix args...` with `env` added to (or, for `PATH`, replacing) the environment. */
export const cimNix = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundle, ...args],
      { env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })
