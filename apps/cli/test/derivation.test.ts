import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { cimNix } from "./cli.js"
import { testEnv, writeFlake } from "./testFlake.js"

describe("cim-nix derivation show", { timeout: 180_000 }, () => {
  it("decodes a .drv without nix and prints what nix show-derivation prints", async () => {
    const env = testEnv()
    const flake = writeFlake({ dep: "echo dep > $out", top: "echo top > $out" })
    const built = await cimNix(["build", "--json", `${flake.ref}#top`, `${flake.ref}#dep`], env)
    expect(built.code).toBe(0)
    const [{ drvPath }] = JSON.parse(built.stdout)
    const nix = JSON.parse(execFileSync("nix", ["--extra-experimental-features", "nix-command", "show-derivation", drvPath]).toString())

    // No nix on PATH: the file is decoded by the domain's codec.
    const run = await cimNix(["derivation", "show", "--json", drvPath], { ...env, PATH: "/nonexistent" })
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual(nix)
    expect(Object.keys(JSON.parse(run.stdout))).toEqual([drvPath])

    const human = await cimNix(["derivation", "show", drvPath], { ...env, PATH: "/nonexistent" })
    expect(human.stdout).toMatch(/^system +x86_64-linux\nbuilder +\/bin\/sh -c echo top > \$out\noutput +out \/nix\/store\/[0-9a-z]{32}-top-/)
  })

  it("refuses what is not a readable derivation (exit 1, one line and a hint)", async () => {
    const env = testEnv()
    for (const path of ["/tmp/x.drv", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-missing.drv", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello"]) {
      const run = await cimNix(["derivation", "show", "--json", path], env)
      expect(run.code).toBe(1)
      expect(run.stdout).toBe("")
      expect(run.stderr).toMatch(/^error: .*\n  hint: /)
    }
  })
})
