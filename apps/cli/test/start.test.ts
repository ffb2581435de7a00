import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix, inTerminal } from "./cli.js"

const ESC = "\u001b"

/** Every command a user can type, as `cim-nix --help` must list it. */
const commands = [
  "doctor", "demo", "build", "eval", "gc", "derivation show", "search", "events", "projections rebuild",
  "module create", "overlay create", "config create", "config activate", "config rollback", "config generations",
  "flake create", "flake add-input", "flake remove-input", "flake update", "flake check", "flake show", "flake graph", "ref parse"
]

describe("cim-nix --help", () => {
  it("lists every command, without colour codes when piped", async () => {
    const run = await cimNix(["--help"], { NO_COLOR: undefined })
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain(ESC)
    for (const command of commands) expect(run.stdout).toMatch(new RegExp(`^ +- ${command}( |$)`, "m"))
  })

  it("colours the help on a terminal, unless NO_COLOR is set", async () => {
    expect(await inTerminal(["--help"], { NO_COLOR: undefined })).toContain(`${ESC}[`)
    expect(await inTerminal(["--help"], { NO_COLOR: "1" })).not.toContain(ESC)
  })
})

describe("cim-nix --completions bash", () => {
  it("completes every level in bash: commands, subcommands with a -, and their options", async () => {
    const run = await cimNix(["--completions", "bash"])
    expect(run.code).toBe(0)
    const script = join(mkdtempSync(join(tmpdir(), "cim-nix-completions-")), "cim-nix.bash")
    writeFileSync(script, run.stdout)
    /** What bash offers after the words typed so far (the last one being completed). */
    const complete = (...words: Array<string>) =>
      execFileSync("bash", ["-c", `source ${script}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cim-nix_bash_completions cim-nix "\${@: -1}" "\${@: -2:1}"; echo "\${COMPREPLY[*]}"`, "bash", ...words], { encoding: "utf8" })
        .trim()
        .split(" ")
    expect(complete("cim-nix", "fl")).toEqual(["flake"])
    expect(complete("cim-nix", "flake", "a")).toEqual(["add-input", "adopt"])
    expect(complete("cim-nix", "flake", "add-input", "--j")).toEqual(["--json"])
    expect(complete("cim-nix", "config", "activate", "--mo")).toEqual(["--mode"])
    expect(complete("cim-nix", "ref", "p")).toEqual(["parse"])
  })
})

describe("start-up from V8's code cache", () => {
  const ref = ["ref", "parse", "nixpkgs/nixos-24.05", "--json"]
  const cacheFiles = (home: string) => (existsSync(join(home, "cim-nix")) ? readdirSync(join(home, "cim-nix")) : [])

  it("stores the compiled program on the first run and reuses it, unchanged, on the next", async () => {
    const home = mkdtempSync(join(tmpdir(), "cim-nix-cache-"))
    const first = await cimNix(ref, { XDG_CACHE_HOME: home })
    expect(first.code).toBe(0)
    const [file, ...others] = cacheFiles(home)
    expect(others).toStrictEqual([])
    expect(file).toMatch(new RegExp(`^cim-nix-[0-9a-f]{16}-${process.version}-${process.arch}\\.v8$`))
    const written = statSync(join(home, "cim-nix", file!)).mtimeMs
    const second = await cimNix(ref, { XDG_CACHE_HOME: home })
    expect(second).toStrictEqual(first)
    expect(statSync(join(home, "cim-nix", file!)).mtimeMs).toBe(written)
  })

  it("replaces a cache V8 rejects, and runs the same", async () => {
    const home = mkdtempSync(join(tmpdir(), "cim-nix-cache-"))
    const clean = await cimNix(ref, { XDG_CACHE_HOME: home })
    const [file] = cacheFiles(home)
    writeFileSync(join(home, "cim-nix", file!), "not a code cache")
    const run = await cimNix(ref, { XDG_CACHE_HOME: home })
    expect(run).toStrictEqual(clean)
    expect(readFileSync(join(home, "cim-nix", file!)).length).toBeGreaterThan(100_000)
  })

  it("runs without a cache when it cannot write one, or when CIM_NIX_CODE_CACHE=0", async () => {
    const home = mkdtempSync(join(tmpdir(), "cim-nix-cache-"))
    const clean = await cimNix(ref, { XDG_CACHE_HOME: home })
    const notADirectory = join(home, "file")
    writeFileSync(notADirectory, "")
    expect(await cimNix(ref, { XDG_CACHE_HOME: notADirectory })).toStrictEqual(clean)
    const off = mkdtempSync(join(tmpdir(), "cim-nix-cache-"))
    expect(await cimNix(ref, { XDG_CACHE_HOME: off, CIM_NIX_CODE_CACHE: "0" })).toStrictEqual(clean)
    expect(cacheFiles(off)).toStrictEqual([])
  })
})
