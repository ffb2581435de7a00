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

/**
 * The environment of a CLI run: no colour, and without the FORCE_COLOR that test runners set
 * (Node warns on stderr when both are set, and stderr is asserted).
 */
export const baseEnv = (): NodeJS.ProcessEnv => {
  const { FORCE_COLOR: _ignored, ...env } = process.env
  return { ...env, NO_COLOR: "1" }
}

/**
 * Runs `cim-nix args...` with `env` added to (or replacing) the environment; names mapped to
 * `undefined` are removed. A run still going after `timeout` ms is killed (and fails).
 */
export const cimNix = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}, timeout = 120_000): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [bundle, ...args],
      { env: { ...baseEnv(), ...env }, timeout },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

/**
 * Runs `cim-nix args...` in a pseudo-terminal (util-linux `script`): stdout and stderr both go
 * to it. `env` is added to the environment; names mapped to `undefined` are removed.
 */
export const inTerminal = (args: ReadonlyArray<string>, env: Record<string, string | undefined>) =>
  new Promise<string>((resolve, reject) => {
    execFile(
      "script",
      ["-qfec", [process.execPath, bundle, ...args].join(" "), "/dev/null"],
      { env: { ...baseEnv(), ...env }, timeout: 120_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout))
    )
  })
