/**
 * FlakeRef, Installable and AttributePath against the real `nix` (skipped where `nix` is not
 * installed; CI installs it). Everything here works offline:
 *
 * - `path:` references: `nix flake metadata --json` shows how Nix reads a reference
 *   (`original`, `locked`, `url`), which must equal `toAttrs(parse(...))`, and Nix must read our
 *   canonical `format` of its locked URL back to the same `locked` attributes.
 * - Remote references: a flake whose `inputs.<n>.url = format(ref)` (with `flake = false`) and
 *   whose `flake.lock` says `original = toAttrs(ref)`. Nix re-locks (and so tries to fetch,
 *   which fails offline) exactly when its own reading of the URL differs from that
 *   `original`; so `nix flake metadata` succeeding proves Nix parses our format to our attributes.
 * - Installables: `nix eval` of `path:<dir>#x.<printed, encoded attribute path>` returns the
 *   value stored under the awkward attribute name.
 * - AttributePath.print: selecting `s.<print([name])>` in a Nix expression finds every name
 *   (arbitrary Unicode, quotes, backslashes, `${`, keywords, control characters).
 *
 * Nix 2.8 (the Nix these machines install) reads some references differently from current Nix;
 * those are left out here and listed in FlakeRef.ts: `dir` on `path:` and URL-based types,
 * `allRefs`, `-` in `?host=`, percent-decoding of `path:` paths and forge owners, `&` or `=`
 * inside a query value of a Git URL (2.8 re-encodes them unescaped into `url`), `narHash` of a
 * tarball URL (2.8 keeps it inside `url` too),
 * `tarball+`/`file+`, `^outputs`, `#.exact` attribute paths.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as fc from "fast-check"
import { afterAll } from "vitest"
import { AttributePath, FlakeRef, Installable } from "../src/index.js"

const REV = "a3a3dda3bacf61e8a39258a0ed9c924eeca8e293"
const NAR = "sha256-vrxy9UCj9yd1bwj2cgQB/684onULvRjrNp/0+0yaqWA="

const nix = (args: ReadonlyArray<string>, cwd?: string) =>
  spawnSync(
    "nix",
    ["--extra-experimental-features", "nix-command flakes", "--option", "download-attempts", "1", "--option", "connect-timeout", "1", ...args],
    { encoding: "utf8", cwd, timeout: 25_000 }
  )

/**
 * What `nix` printed on stderr, less the notes Nix 2.8 prints when another `nix` process holds
 * one of its SQLite caches (`error (ignored): error: SQLite database '...' is busy`): other
 * tests run `nix` at the same time.
 */
const complaints = (stderr: string) =>
  stderr.split("\n").filter((line) => line !== "" && !/^error \(ignored\): error: SQLite database '.*' is busy$/.test(line)).join("\n")

const parsed = (text: string) => Either.getOrThrowWith(FlakeRef.parseEither(text), (e) => new Error(`${e.message} | ${e.hint}`))

describe("FlakeRef against the real nix", () => {
  const root = mkdtempSync(join(tmpdir(), "cim-nix-flakeref-"))
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  const flakeDir = join(root, "local")
  mkdirSync(flakeDir)
  writeFileSync(
    join(flakeDir, "flake.nix"),
    `{
  outputs = { self }: {
    x = { "foo.bar" = 1; "a b" = 2; "if" = 3; "é" = 4; "a^b" = 5; "a#b" = 6; "%" = 7; "7zip" = 8; "\\\${x}" = 9; "or" = 10; "a'b" = 11; plain = 12; };
  };
}
`
  )

  it("reads path: and bare-path references as Nix does, and Nix reads our canonical locked URL", () => {
    for (const text of [`path:${flakeDir}`, flakeDir, `path://${flakeDir}`]) {
      const out = nix(["flake", "metadata", "--json", text])
      expect(complaints(out.stderr)).toBe("")
      const meta = JSON.parse(out.stdout) as { original: FlakeRef.Attrs; locked: FlakeRef.Attrs; originalUrl: string; url: string }
      const ref = parsed(text)
      expect(FlakeRef.toAttrs(ref)).toStrictEqual(meta.original)
      expect(parsed(meta.originalUrl)).toStrictEqual(Either.getOrThrow(FlakeRef.fromAttrs(meta.original)))
      const locked = parsed(meta.url)
      expect(FlakeRef.toAttrs(locked)).toStrictEqual(meta.locked)
      const again = nix(["flake", "metadata", "--json", FlakeRef.format(locked)])
      expect(complaints(again.stderr)).toBe("")
      expect((JSON.parse(again.stdout) as { locked: FlakeRef.Attrs }).locked).toStrictEqual(meta.locked)
    }
  })

  it("Nix parses our format of remote references to our attribute sets (no re-lock, no fetch)", () => {
    const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
      ["github:NixOS/nixpkgs", { rev: REV }],
      ["github:NixOS/nixpkgs/nixos-24.05", { rev: REV }],
      [`github:NixOS/nixpkgs/${REV}`, {}],
      ["github:edolstra/nix-warez?dir=blender", { rev: REV }],
      ["github:internal/project?host=github.example.org", { rev: REV }],
      ["github:NixOS/nixpkgs/pull/357207/head", { rev: REV }],
      ["gitlab:veloren/veloren/master", { rev: REV }],
      ["sourcehut:~misterio/nix-colors/main", { rev: REV }],
      ["nixpkgs", { type: "github", owner: "NixOS", repo: "nixpkgs", rev: REV }],
      ["nixpkgs/nixos-24.05", { type: "github", owner: "NixOS", repo: "nixpkgs", rev: REV }],
      [`flake:nixpkgs/nixos-24.05/${REV}`, { type: "github", owner: "NixOS", repo: "nixpkgs", rev: REV }],
      ["git+https://example.org/my/repo", { rev: REV }],
      ["git+https://example.org/my/repo?ref=refs/tags/0.18.0&shallow=1", { rev: REV }],
      ["git+https://example.org/my/repo?submodules=1&ref=main", { rev: REV }],
      ["git+https://example.org/my/repo?token=abc&ref=main", { rev: REV }],
      ["git+ssh://git@example.org/NixOS/nix?ref=v1.2.3", { rev: REV }],
      ["git+file:///nonexistent/repo", { rev: REV }],
      ["git://example.org/x?ref=unstable", { rev: REV }],
      ["hg+https://hg.example.org/repo?ref=default", { rev: REV }],
      ["https://example.org/archive/master.tar.gz", {}],
      ["http://example.org/src.zip?id=3", {}]
    ]
    const dir = join(root, "inputs")
    mkdirSync(dir)
    const inputs = cases.map(([text], n) => `  inputs.i${n} = { url = ${JSON.stringify(FlakeRef.format(parsed(text)))}; flake = false; };`)
    writeFileSync(join(dir, "flake.nix"), `{\n${inputs.join("\n")}\n  outputs = { self, ... }: { };\n}\n`)
    const nodes: Record<string, unknown> = { root: { inputs: Object.fromEntries(cases.map((_, n) => [`i${n}`, `i${n}`])) } }
    cases.forEach(([text, lock], n) => {
      const original = FlakeRef.toAttrs(parsed(text))
      const { dir: _dir, ref: _ref, ...base } = original as Record<string, unknown>
      const locked: Record<string, unknown> = { ...(original.type === "git" || original.type === "hg" ? original : base), narHash: NAR, ...lock }
      delete locked.dir
      if (original.type === "github" || original.type === "gitlab" || original.type === "sourcehut" || locked.type === "github") locked.lastModified = 1
      if (original.type === "github" || original.type === "gitlab" || original.type === "sourcehut") delete locked.ref
      if (original.type === "indirect") delete locked.id
      nodes[`i${n}`] = { flake: false, locked, original }
    })
    writeFileSync(join(dir, "flake.lock"), JSON.stringify({ nodes, root: "root", version: 7 }, null, 2))
    const out = nix(["flake", "metadata", "--json", `path:${dir}`])
    expect(complaints(out.stderr)).toBe("")
    expect(out.status).toBe(0)
    const meta = JSON.parse(out.stdout) as { locks: { nodes: Record<string, { original: FlakeRef.Attrs }> } }
    cases.forEach(([text], n) => expect(meta.locks.nodes[`i${n}`]!.original).toStrictEqual(FlakeRef.toAttrs(parsed(text))))
  })

  it("a reference Nix reads differently makes it re-lock (the check above can fail)", () => {
    const dir = join(root, "mismatch")
    mkdirSync(dir)
    writeFileSync(join(dir, "flake.nix"), `{\n  inputs.a = { url = "github:o/r/main"; flake = false; };\n  outputs = { self, ... }: { };\n}\n`)
    const original = { type: "github", owner: "o", repo: "r", ref: "dev" }
    const locked = { type: "github", owner: "o", repo: "r", rev: REV, narHash: NAR, lastModified: 1 }
    writeFileSync(join(dir, "flake.lock"), JSON.stringify({ nodes: { a: { flake: false, locked, original }, root: { inputs: { a: "a" } } }, root: "root", version: 7 }))
    const out = nix(["flake", "metadata", "--json", "--offline", `path:${dir}`])
    expect(out.status).not.toBe(0)
  })

  it("nix eval reads our installables with awkward attribute names", () => {
    const names: ReadonlyArray<readonly [string, number]> = [
      ["foo.bar", 1],
      ["a b", 2],
      ["if", 3],
      ["é", 4],
      ["a^b", 5],
      ["a#b", 6],
      ["%", 7],
      ["7zip", 8],
      ["${x}", 9],
      ["or", 10],
      ["a'b", 11],
      ["plain", 12]
    ]
    for (const [name, value] of names) {
      const installable = Either.getOrThrow(
        Installable.make({ flakeRef: parsed(`path:${flakeDir}`), attrPath: AttributePath.unsafeMake(["x", name]) })
      )
      const text = Installable.format(installable)
      expect(Either.getOrThrow(Installable.parseEither(text))).toStrictEqual(installable)
      const out = nix(["eval", "--json", text])
      expect({ name, text, stderr: complaints(out.stderr), stdout: out.stdout.trim() }).toStrictEqual({ name, text, stderr: "", stdout: String(value) })
    }
  })

  it("Nix expressions select exactly the attribute named by AttributePath.print", () => {
    const names = [
      ...["", "a", "if", "or", "in", "${x}", "$${", "$", "a\"b", "back\\slash", "tab\tx", "nl\nx", "cr\rx", "é", "😀", "x-y'", "7zip", "a.b", "\u0001"],
      ...fc.sample(fc.string({ unit: "grapheme", maxLength: 8 }), { seed: 42, numRuns: 150 }),
      ...fc.sample(fc.string({ unit: fc.constantFrom(..."a\"\\${}.'\n -"), maxLength: 8 }), { seed: 7, numRuns: 150 })
    ]
    const unique = [...new Set(names)].filter((n) => !n.includes("\u0000"))
    const file = join(root, "names.json")
    writeFileSync(file, JSON.stringify(Object.fromEntries(unique.map((n, i) => [n, i]))))
    const selects = unique.map((n) => `s.${AttributePath.print(AttributePath.unsafeMake([n]))}`)
    const expr = `let s = builtins.fromJSON (builtins.readFile ${file}); in [ ${selects.join(" ")} ]`
    const out = nix(["eval", "--impure", "--json", "--expr", expr])
    expect(complaints(out.stderr)).toBe("")
    expect(JSON.parse(out.stdout)).toStrictEqual(unique.map((_, i) => i))
  })
})
