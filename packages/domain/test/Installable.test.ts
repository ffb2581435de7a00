import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as fc from "fast-check"
import { AttributePath, FlakeRef, Installable } from "../src/index.js"

const REV = "a3a3dda3bacf61e8a39258a0ed9c924eeca8e293"
const parsed = (text: string) => Either.getOrThrowWith(Installable.parseEither(text), (e) => new Error(`${e.message} | ${e.hint}`))
const errorOf = (text: string) => Either.getOrThrowWith(Either.flip(Installable.parseEither(text)), () => new Error(`parsed: ${text}`))
const plain = (i: Installable.Installable) => ({
  flakeRef: FlakeRef.format(i.flakeRef),
  attrPath: i.attrPath === undefined ? undefined : [...i.attrPath],
  outputs: i.outputs,
  ...(i.exact === true ? { exact: true } : {})
})

/** [input, flakeRef (canonical), attrPath segments, outputs, canonical installable] */
const examples: ReadonlyArray<readonly [string, string, ReadonlyArray<string> | undefined, "*" | ReadonlyArray<string> | undefined, string]> = [
  ["nixpkgs#hello", "flake:nixpkgs", ["hello"], undefined, "flake:nixpkgs#hello"],
  [".#default", ".", ["default"], undefined, ".#default"],
  [".", ".", undefined, undefined, "."],
  ["./sub#packages.x86_64-linux.foo", "./sub", ["packages", "x86_64-linux", "foo"], undefined, "./sub#packages.x86_64-linux.foo"],
  [
    'github:NixOS/nixpkgs/nixos-24.05?dir=lib#legacyPackages.x86_64-linux."foo.bar"',
    "github:NixOS/nixpkgs/nixos-24.05?dir=lib",
    ["legacyPackages", "x86_64-linux", "foo.bar"],
    undefined,
    'github:NixOS/nixpkgs/nixos-24.05?dir=lib#legacyPackages.x86_64-linux."foo.bar"'
  ],
  ["git+https://example.org/x?ref=main#checks.x86_64-linux.test", "git+https://example.org/x?ref=main", ["checks", "x86_64-linux", "test"], undefined, "git+https://example.org/x?ref=main#checks.x86_64-linux.test"],
  ["nixpkgs#hello^out,dev", "flake:nixpkgs", ["hello"], ["out", "dev"], "flake:nixpkgs#hello^out,dev"],
  ["nixpkgs#hello^*", "flake:nixpkgs", ["hello"], "*", "flake:nixpkgs#hello^*"],
  ["nixpkgs^out", "flake:nixpkgs", undefined, ["out"], "flake:nixpkgs^out"],
  ["nixpkgs#", "flake:nixpkgs", undefined, undefined, "flake:nixpkgs"],
  [`nixpkgs/${REV}#hello`, `flake:nixpkgs/${REV}`, ["hello"], undefined, `flake:nixpkgs/${REV}#hello`],
  ['.#x."a%20b"', ".", ["x", "a b"], undefined, '.#x."a%20b"'],
  ['.#x."a%5Eb"^out', ".", ["x", "a^b"], ["out"], '.#x."a%5Eb"^out'],
  ['.#x."a%23b"', ".", ["x", "a#b"], undefined, '.#x."a%23b"'],
  ['.#"é"', ".", ["é"], undefined, '.#"%C3%A9"'],
  ["path:/tmp/a%20b#x", "path:/tmp/a%20b", ["x"], undefined, "path:/tmp/a%20b#x"],
  // the command-line syntax of attribute paths (Nix's parseAttrPath): quotes group, no escapes
  ["github:o/r#a#b", "github:o/r", ["a#b"], undefined, 'github:o/r#"a%23b"'],
  ["nixpkgs#a..b", "flake:nixpkgs", ["a", "", "b"], undefined, 'flake:nixpkgs#a."".b'],
  ['nixpkgs#a"b"c', "flake:nixpkgs", ["abc"], undefined, "flake:nixpkgs#abc"],
  ['nixpkgs#x."\\${y}"', "flake:nixpkgs", ["x", "\\${y}"], undefined, 'flake:nixpkgs#x."%5C$%7By%7D"'],
  ["nixpkgs#a.", "flake:nixpkgs", ["a"], undefined, "flake:nixpkgs#a"],
  ["nixpkgs#a..", "flake:nixpkgs", ["a", ""], undefined, 'flake:nixpkgs#a."".""'],
  ['nixpkgs#"".a', "flake:nixpkgs", ["", "a"], undefined, 'flake:nixpkgs#"".a'],
  ["nixpkgs#if.or", "flake:nixpkgs", ["if", "or"], undefined, "flake:nixpkgs#if.or"]
]

/** [input, kind-of-message, position, hint pattern] */
const errors: ReadonlyArray<readonly [string, string, number, RegExp]> = [
  ["#hello", "the flake reference is empty in flake reference '' (in installable '#hello')", 0, /such as 'nixpkgs'/],
  ['nixpkgs#a."b', "missing closing quote in attribute path 'a.\"b' (in installable 'nixpkgs#a.\"b')", 10, /End the quoted name/],
  ['nixpkgs#""', "the attribute path names no attribute in attribute path '\"\"' (in installable 'nixpkgs#\"\"')", 8, /separated by/],
  ["nixpkgs#.", "the attribute path names no attribute in attribute path '' (in installable 'nixpkgs#.')", 9, /separated by/],
  ["-x#a", "'-x' starts with '-', which a command line would read as an option in flake reference '-x' (in installable '-x#a')", 0, /never starts with '-'/],
  ["github:o#a", "a GitHub reference needs an owner and a repository in flake reference 'github:o' (in installable 'github:o#a')", 7, /owner\/repo/],
  ["nixpkgs#hello^", "an output name is empty in installable 'nixpkgs#hello^'", 14, /'\^out,dev'/],
  ["nixpkgs#hello^out,", "an output name is empty in installable 'nixpkgs#hello^out,'", 18, /'\^out,dev'/],
  ["nixpkgs#hello^.out", "'.out' is not a valid output name in installable 'nixpkgs#hello^.out'", 14, /output names/],
  ["nixpkgs#hello^out,out", "an output is named twice in installable 'nixpkgs#hello^out,out'", 14, /once/],
  ["nixpkgs#a%zz", "the attribute path has a malformed percent-escape in installable 'nixpkgs#a%zz'", 8, /%25/],
]

describe("Installable", () => {
  describe("parses <flakeref>#<attrpath>^<outputs> and formats it canonically", () => {
    for (const [input, ref, attrPath, outputs, canonical] of examples) {
      it(input, () => {
        const i = parsed(input)
        expect(plain(i)).toStrictEqual({ flakeRef: ref, attrPath, outputs })
        expect(Installable.format(i)).toBe(canonical)
        expect(parsed(canonical)).toStrictEqual(i)
      })
    }
  })

  describe("rejects bad installables with the message, position and a hint", () => {
    for (const [input, message, position, hint] of errors) {
      it(input, () => {
        const e = errorOf(input)
        expect([e._tag, e.kind, e.input]).toEqual(["ParseError", "Installable", input])
        expect(e.message).toBe(message)
        expect(e.position).toBe(position)
        expect(e.hint).toMatch(hint)
      })
    }
  })

  it.effect("parse is an Effect; the Schema decodes and encodes", () =>
    Effect.gen(function* () {
      const i = yield* Installable.parse("nixpkgs#hello")
      expect(i.flakeRef.type).toBe("indirect")
      const decoded = Schema.decodeUnknownSync(Installable.InstallableFromString)("github:o/r?ref=main#x^out")
      expect(Schema.encodeSync(Installable.InstallableFromString)(decoded)).toBe("github:o/r/main#x^out")
    }))

  it("reads '#.path' as an exact attribute path (no packages.<system>. prefixes)", () => {
    const i = parsed(".#.packages.x86_64-linux.hello")
    expect(plain(i)).toStrictEqual({ flakeRef: ".", attrPath: ["packages", "x86_64-linux", "hello"], outputs: undefined, exact: true })
    expect(Installable.format(i)).toBe(".#.packages.x86_64-linux.hello")
    expect(Either.getOrThrow(Either.flip(Installable.make({ flakeRef: i.flakeRef, exact: true })))).toMatchObject({ field: "exact" })
  })

  it("make refuses attribute names the command line cannot name", () => {
    const flakeRef = FlakeRef.unsafeMake({ type: "indirect", id: "nixpkgs" })
    expect(Either.getOrThrow(Either.flip(Installable.make({ flakeRef, attrPath: AttributePath.unsafeMake(["a", 'b"c']) })))).toMatchObject({
      _tag: "ValidationError",
      field: "attrPath[1]",
      message: 'attribute name "b\\"c" contains \'"\', which Nix\'s command line cannot name'
    })
  })

  it("make refuses a bare path holding '^' (Nix would split the outputs there)", () => {
    const flakeRef = FlakeRef.unsafeMake({ type: "path", path: "./a^b", bare: true })
    expect(Either.getOrThrow(Either.flip(Installable.make({ flakeRef })))).toMatchObject({ _tag: "ValidationError", field: "flakeRef" })
    expect(Either.isRight(Installable.make({ flakeRef: FlakeRef.unsafeMake({ type: "path", path: "./a^b" }) }))).toBe(true)
    expect(Either.isLeft(Installable.make({ flakeRef, outputs: [] as unknown as Installable.OutputsSpec }))).toBe(true)
  })

  it("parse(format(v)) equals v", () => {
    const refArb = fc.constantFrom(
      "nixpkgs",
      ".",
      "./my dir",
      "/abs/x?dir=sub",
      "path:/tmp/a%20b?narHash=sha256-vrxy9UCj9yd1bwj2cgQB/684onULvRjrNp/0+0yaqWA=",
      `github:NixOS/nixpkgs/${REV}?dir=lib`,
      "gitlab:a%2Fb/c/feat%231",
      "git+https://x.org/y?ref=main&token=a%26b",
      "https://x.org/y.tar.gz?a=%23"
    ).map((t) => Either.getOrThrow(FlakeRef.parseEither(t)))
    const segmentArb = fc
      .oneof(fc.string({ unit: "grapheme", maxLength: 6 }), fc.string({ unit: fc.constantFrom(..."a.#^%\\ ${}?&="), maxLength: 6 }))
      .filter((s) => !s.includes("\u0000") && !s.includes('"'))
    const attrArb = fc.option(fc.array(segmentArb, { minLength: 1, maxLength: 4 }).map(AttributePath.unsafeMake), { nil: undefined })
    const exactArb = fc.boolean()
    const outputsArb = fc.option(
      fc.oneof(fc.constant("*" as const), fc.uniqueArray(fc.constantFrom("out", "dev", "lib", "man", "debug", "a+b", "x=y?"), { minLength: 1, maxLength: 3 })),
      { nil: undefined }
    )
    fc.assert(
      fc.property(refArb, attrArb, exactArb, outputsArb, (flakeRef, attrPath, exact, outputs) => {
        const v = Either.getOrThrow(Installable.make({ flakeRef, attrPath, exact: exact && attrPath !== undefined, outputs: outputs as Installable.OutputsSpec | undefined }))
        const text = Installable.format(v)
        const back = parsed(text)
        expect(back).toStrictEqual(v)
        expect(Installable.format(back)).toBe(text)
      }),
      { numRuns: 3000 }
    )
  })
})
