import { describe, expect, it } from "@effect/vitest"
import { cimNix } from "./cli.js"

describe("cim-nix ref parse", () => {
  it("prints the parsed reference and its canonical URL as JSON, without running nix", async () => {
    const run = await cimNix(["ref", "parse", "github:NixOS/nixpkgs?ref=nixos-24.05&dir=lib", "--json"], { PATH: "/nonexistent" })
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toEqual({
      input: "github:NixOS/nixpkgs?ref=nixos-24.05&dir=lib",
      ref: { type: "github", owner: "NixOS", repo: "nixpkgs", ref: "nixos-24.05", dir: "lib" },
      url: "github:NixOS/nixpkgs/nixos-24.05?dir=lib",
      locked: false
    })
  })

  it("prints the fields for a human", async () => {
    const run = await cimNix(["ref", "parse", "git+file:///src/x?rev=0123456789abcdef0123456789abcdef01234567"])
    expect(run.code).toBe(0)
    expect(run.stdout.split("\n")).toEqual([
      "canonical git+file:///src/x?rev=0123456789abcdef0123456789abcdef01234567",
      "type      git",
      "rev       0123456789abcdef0123456789abcdef01234567",
      "url       file:///src/x",
      "locked    true",
      ""
    ])
  })

  it("rejects a bad reference with the parser's message and hint (exit 1, nothing on stdout)", async () => {
    const run = await cimNix(["ref", "parse", "github:NixOS", "--json"])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe("")
    expect(run.stderr).toMatch(/^error: .+\n {2}hint: .+/)
  })
})
