import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix } from "./cli.js"
import { storedEvents, testEnv, writeFlake } from "./testFlake.js"

/** What `nix search --json` finds, as hits in attribute path order. */
const nixSearch = (flake: string, regex: string, env: Record<string, string>) => {
  const json: Record<string, { pname: string; version: string; description: string }> = JSON.parse(
    execFileSync("nix", ["--extra-experimental-features", "nix-command flakes", "search", "--json", flake, regex], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "ignore"] }).toString()
  )
  return Object.keys(json).sort().map((attrPath) => ({ attrPath, ...json[attrPath]! }))
}

describe("cim-nix search", { timeout: 180_000 }, () => {
  it("answers from an index built with one nix search, like nix search, until --refresh", async () => {
    const env = testEnv()
    const flake = writeFlake({ hello: "echo > $out", "hello-extra": "echo > $out", world: "echo > $out" })
    const first = await cimNix(["search", "--json", "--flake", flake.ref, "^hello"], env)
    expect(first.stderr).toBe("")
    expect(first.code).toBe(0)
    const found = JSON.parse(first.stdout)
    expect(found).toMatchObject({ flake: flake.ref, indexed: 3, refreshed: true })
    expect(found.hits).toEqual(nixSearch(flake.ref, "^hello", env))
    expect(found.hits.map((h: { attrPath: string }) => h.attrPath)).toEqual(["packages.x86_64-linux.hello", "packages.x86_64-linux.hello-extra"])

    const again = JSON.parse((await cimNix(["search", "--json", "--flake", flake.ref, "WORLD|extra"], env)).stdout)
    expect(again.refreshed).toBe(false)
    expect(again.refreshedAt).toBe(found.refreshedAt)
    expect(again.hits.map((h: { attrPath: string }) => h.attrPath)).toEqual(["packages.x86_64-linux.hello-extra", "packages.x86_64-linux.world"])

    // The flake changes: the index is stale until refreshed.
    writeFileSync(join(flake.dir, "flake.nix"), `{ outputs = { self }: { packages.x86_64-linux.newcomer = derivation { name = "newcomer-${flake.nonce}"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; system = "x86_64-linux"; }; }; }\n`)
    expect(JSON.parse((await cimNix(["search", "--json", "--flake", flake.ref, "newcomer"], env)).stdout).hits).toEqual([])
    const refreshed = JSON.parse((await cimNix(["search", "--json", "--refresh", "--flake", flake.ref, "newcomer"], env)).stdout)
    expect(refreshed).toMatchObject({ indexed: 1, refreshed: true })
    expect(refreshed.hits).toEqual(nixSearch(flake.ref, "newcomer", env))

    const human = await cimNix(["search", "--flake", flake.ref, "."], env)
    expect(human.stdout).toMatch(/^ATTRIBUTE +VERSION +DESCRIPTION\npackages\.x86_64-linux\.newcomer/)
    expect(human.stdout).toMatch(/1 of 1 packages/)
    // A query records nothing.
    expect(await storedEvents(env)).toEqual([])
  })

  it("fails on a bad regex (exit 1) and on a directory without a flake (exit 3)", async () => {
    const env = testEnv()
    const badRegex = await cimNix(["search", "--flake", "path:/tmp", "("], env)
    expect(badRegex.code).toBe(1)
    expect(badRegex.stderr).toMatch(/^error: '\(' is not a regular expression/)
    const empty = mkdtempSync(join(tmpdir(), "cim-nix-noflake-"))
    const noFlake = await cimNix(["search", "--flake", `path:${empty}`, "x"], env)
    expect(noFlake.code).toBe(3)
    expect(noFlake.stderr).toMatch(/^error: .*flake\.nix/)
    expect(noFlake.stderr).toMatch(/hint: /)
  })
})
