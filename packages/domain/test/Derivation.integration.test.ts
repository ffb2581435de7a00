// The .drv codec against the real `nix` on PATH: derivations with weird values are written by
// `nix-instantiate`, read back from the store, decoded, re-encoded byte for byte, and compared with
// what `nix show-derivation` prints. Needs `nix` (CI installs it); no network, no builds.
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Derivation, NixVersion } from "../src/index.js"

const run = promisify(execFile)
const features = ["--extra-experimental-features", "nix-command flakes ca-derivations impure-derivations"]

const nixOutput = async (program: string, args: ReadonlyArray<string>): Promise<Buffer> =>
  (await run(program, [...features, ...args], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 })).stdout

const capabilities = NixVersion.capabilities(
  Effect.runSync(NixVersion.parse((await nixOutput("nix", ["--version"])).toString("utf8")))
)
/** Nix before 2.15 prints the JSON shape that `toJson` reproduces; later ones are read with `fromJson`. */
const printsLegacyJson = capabilities.derivationShow === "show-derivation"
const decodeOptions = { allowLeadingDot: capabilities.storeNameLeadingDot }

const dirs: Array<string> = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/**
 * Writes `values.json` and `default.nix` (which reads the values with builtins.fromJSON, so no
 * text is ever spliced into Nix code) to a fresh directory and instantiates the given attributes.
 */
const instantiate = async (values: unknown, expression: string, files: Record<string, string | Buffer> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-drv-"))
  dirs.push(dir)
  writeFileSync(join(dir, "values.json"), JSON.stringify(values))
  writeFileSync(join(dir, "default.nix"), `let v = builtins.fromJSON (builtins.readFile ./values.json); in ${expression}`)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  const out = await nixOutput("nix-instantiate", ["--quiet", join(dir, "default.nix")])
  return out.toString("utf8").trim().split("\n")
}

/** `nix show-derivation --recursive` (or `nix derivation show` on Nix ≥ 2.15), raw. */
const show = (drvPaths: ReadonlyArray<string>) => nixOutput("nix", [...capabilities.derivationShow.split(" "), "--recursive", ...drvPaths])

/**
 * Checks every derivation in the closure of `drvPaths`: decode -> encode is byte-identical, toJson
 * equals Nix's JSON (Nix < 2.15), and fromJson of Nix's JSON equals the decoded derivation.
 * `encoding` is how the files are read: "latin1" keeps bytes that are not UTF-8.
 */
const checkClosure = async (drvPaths: ReadonlyArray<string>, encoding: "utf8" | "latin1" = "utf8") => {
  const shown = JSON.parse((await show(drvPaths)).toString(encoding)) as Record<string, unknown>
  expect(Object.keys(shown)).toEqual(expect.arrayContaining([...drvPaths]))
  const normalised = Effect.runSync(Derivation.fromJson(shown, decodeOptions))
  for (const [drvPath, json] of Object.entries(shown)) {
    const bytes = readFileSync(drvPath)
    const drv = Effect.runSync(Derivation.decode(bytes.toString(encoding), decodeOptions))
    expect(Buffer.from(Derivation.encode(drv), encoding).equals(bytes)).toBe(true)
    if (printsLegacyJson) expect(Derivation.toJson(drv, drvPath)).toStrictEqual({ [drvPath]: json })
    expect(normalised.get(drvPath)).toEqual(drv)
  }
  return Object.keys(shown)
}

const weird = [
  'double "quotes" and \\backslashes\\ and \\n (not a newline)',
  "newline\nline two\r\ncarriage return\rtab\there",
  "dollar $ and ${interpolation} and \\${escaped} and ''${antiquote}",
  "unicode é ü 漢字 😀 \ue000 and controls \u0001\u001f\u007f",
  ""
]

describe("Derivation codec against real Nix", () => {
  it("round-trips derivations with every kind of output, inputs, sources and weird values", { timeout: 120_000 }, async () => {
    const values = {
      weird,
      env: Object.fromEntries([
        ...weird.map((w, i) => [`weird${i}`, w]),
        ["__proto__", "proto"],
        ["10", "ten"],
        ["2", "two"],
        ["é", "key with unicode"],
        ["😀", "astral key"],
        ["\ue000", "private-use key"]
      ])
    }
    const expression = `
      let
        sys = "x86_64-linux";
        dep = derivation { name = "dep"; system = sys; builder = "/bin/sh"; args = v.weird; outputs = [ "out" "dev" "doc" ]; };
        fixedNar = derivation { name = "fixed-nar"; system = sys; builder = "/bin/sh"; outputHashMode = "recursive";
          outputHashAlgo = "sha256"; outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; };
        fixedFlat = derivation { name = "fixed-flat"; system = sys; builder = "/bin/sh"; outputHashAlgo = "sha512";
          outputHash = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"; };
        structured = derivation { name = "structured"; system = sys; builder = "/bin/sh"; __structuredAttrs = true;
          inherit (v) weird; nested = { n = [ 1 2.5 true null ]; "key with space" = "x"; }; };
        floating = derivation { name = "floating"; system = sys; builder = "/bin/sh"; __contentAddressed = true;
          outputHashMode = "recursive"; outputHashAlgo = "sha256"; };
        impure = derivation { name = "impure"; system = sys; builder = "/bin/sh"; __impure = true; };
      in [
        (derivation (v.env // {
          name = "weird"; system = sys; builder = "/bin/sh"; args = [ "-e" ./x.sh ] ++ v.weird;
          outputs = [ "out" "lib" "dev" ];
          devOutput = dep.dev; docOutput = dep.doc; inherit dep fixedNar fixedFlat structured;
          script = ./x.sh;
        }))
        (derivation { name = "deferred"; system = sys; builder = "/bin/sh"; inherit floating impure; })
      ]`
    const roots = await instantiate(values, expression, { "x.sh": "#!/bin/sh\necho \"$@\" > $out\n" })
    expect(roots).toHaveLength(2)
    const closure = await checkClosure(roots)
    expect(closure).toHaveLength(8)

    const main = Effect.runSync(Derivation.decode(readFileSync(roots[0]!, "utf8"), decodeOptions))
    expect(main.args.slice(2)).toEqual(weird)
    expect([...main.outputs.keys()]).toEqual(["dev", "lib", "out"])
    expect(main.inputSrcs).toHaveLength(1)
    expect(main.inputSrcs[0]).toMatch(/-x\.sh$/)
    expect(main.env.get("script")).toBe(main.inputSrcs[0])
    expect([...main.inputDrvs.values()]).toContainEqual(["dev", "doc", "out"])
    for (const [i, w] of weird.entries()) expect(main.env.get(`weird${i}`)).toBe(w)
    expect(main.env.get("__proto__")).toBe("proto")
    const kinds = closure.map((p) => Effect.runSync(Derivation.decode(readFileSync(p, "utf8"), decodeOptions)))
      .flatMap((d) => [...d.outputs.values()].map((o) => o._tag))
    expect(new Set(kinds)).toEqual(new Set(["InputAddressed", "CAFixed", "CAFloating", "Deferred", "Impure"]))
  })

  it("keeps bytes that are not UTF-8 (builtins.readFile of a binary file) when read as latin1", { timeout: 60_000 }, async () => {
    const roots = await instantiate(
      {},
      `derivation { name = "bytes"; system = "x86_64-linux"; builder = "/bin/sh"; value = builtins.readFile ./bytes.bin; }`,
      { "bytes.bin": Buffer.from([0x61, 0xff, 0xfe, 0x80, 0x22, 0x5c, 0x0a, 0x0d, 0x09, 0xc3, 0x28, 0x7f]) }
    )
    await checkClosure(roots, "latin1")
    const drv = Effect.runSync(Derivation.decode(readFileSync(roots[0]!, "latin1")))
    expect(drv.env.get("value")).toBe("a\xff\xfe\x80\"\\\n\r\t\xc3(\x7f")
  })

  it("round-trips arbitrary environment values and arguments (property, bounded runs)", { timeout: 300_000 }, async () => {
    // Nix strings cannot hold NUL (Nix 2.8 cuts them there), and JSON cannot carry lone surrogates.
    const value = fc
      .oneof(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\r", "\t", "$", "{", "}", "'", "é", "😀", "a"), maxLength: 30 })
      )
      .map((s) => s.replace(/\p{Cs}|\u0000/gu, "?"))
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(value, value), { selector: ([k]) => k, maxLength: 6 }),
        fc.array(value, { maxLength: 4 }),
        async (env, args) => {
          const values = { env: Object.fromEntries(env.map(([k, v]) => [`v_${k}`, v])), args }
          const [root] = await instantiate(
            values,
            `derivation (v.env // { name = "prop"; system = "x86_64-linux"; builder = "/bin/sh"; inherit (v) args; })`
          )
          await checkClosure([root!])
          const drv = Effect.runSync(Derivation.decode(readFileSync(root!, "utf8")))
          expect(drv.args).toEqual(args)
          for (const [k, v] of env) expect(drv.env.get(`v_${k}`)).toBe(v)
        }
      ),
      { numRuns: 25 }
    )
  })
})
