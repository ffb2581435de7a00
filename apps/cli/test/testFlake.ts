/**
 * Test flakes for the end-to-end tests: packages made of plain `derivation`s over /bin/sh (no
 * nixpkgs, no network), named with a fresh nonce so that every test builds new store paths.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix, stateDir } from "./cli.js"

/** The environment of every nix and cim-nix process in the tests: no substituters, a private state directory. */
export const testEnv = (state = stateDir()) => ({ NIX_CONFIG: "substituters =", XDG_STATE_HOME: state })

/** A flake in a fresh directory whose packages run these shell scripts (`$out` is the output). */
export const writeFlake = (packages: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-flake-"))
  const nonce = randomBytes(6).toString("hex")
  const drv = (name: string, script: string) =>
    `    ${name} = derivation { name = "${name}-${nonce}"; builder = "/bin/sh"; args = [ "-c" ${JSON.stringify(script)} ]; system = "x86_64-linux"; };`
  writeFileSync(
    join(dir, "flake.nix"),
    `{\n  outputs = { self }: {\n  packages.x86_64-linux = {\n${Object.entries(packages).map(([n, s]) => drv(n, s)).join("\n")}\n  };\n  };\n}\n`
  )
  return { dir, nonce, ref: `path:${dir}` }
}

/** The stored envelopes, as `cim-nix events --json` prints them. */
export const storedEvents = async (env: Record<string, string>, ...filters: Array<string>) => {
  const run = await cimNix(["events", "--json", ...filters], env)
  if (run.code !== 0) throw new Error(`cim-nix events failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as Array<{
    eventId: string
    type: string
    aggregateType: string
    aggregateId: string
    version: number
    position: number
    correlationId: string
    causationId: string
    payload: Record<string, unknown>
  }>
}
