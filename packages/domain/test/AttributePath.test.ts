import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as fc from "fast-check"
import { AttributePath } from "../src/index.js"

const parsed = (text: string) => Either.getOrThrowWith(AttributePath.parseEither(text), (e) => new Error(`${e.message} | ${e.hint}`))
const errorOf = (text: string) => Either.getOrThrowWith(Either.flip(AttributePath.parseEither(text)), () => new Error(`parsed: ${text}`))

/** [input, segments, printed] */
const examples: ReadonlyArray<readonly [string, ReadonlyArray<string>, string]> = [
  ["hello", ["hello"], "hello"],
  ["packages.x86_64-linux.hello", ["packages", "x86_64-linux", "hello"], "packages.x86_64-linux.hello"],
  ['packages.x86_64-linux."foo.bar"', ["packages", "x86_64-linux", "foo.bar"], 'packages.x86_64-linux."foo.bar"'],
  ["nixosConfigurations.my-host.config.system.build.toplevel", ["nixosConfigurations", "my-host", "config", "system", "build", "toplevel"], "nixosConfigurations.my-host.config.system.build.toplevel"],
  ['"hello"', ["hello"], "hello"],
  ['a."".b', ["a", "", "b"], 'a."".b'],
  ['""', [""], '""'],
  ["_private'", ["_private'"], "_private'"],
  ["python3Packages.7zip", ["python3Packages", "7zip"], 'python3Packages."7zip"'],
  ["pkgs.gtk+3", ["pkgs", "gtk+3"], 'pkgs."gtk+3"'],
  ["lib.if.then", ["lib", "if", "then"], 'lib."if"."then"'],
  ["x.or", ["x", "or"], 'x."or"'],
  ["x.true.null", ["x", "true", "null"], "x.true.null"],
  ["données.ü", ["données", "ü"], '"données"."ü"'],
  ['"a\\"b"', ['a"b'], '"a\\"b"'],
  ['"back\\\\slash"', ["back\\slash"], '"back\\\\slash"'],
  ['"\\${x}"', ["${x}"], '"\\${x}"'],
  ['"$x and $"', ["$x and $"], '"$x and $"'],
  ['"tab\\tnl\\ncr\\r"', ["tab\tnl\ncr\r"], '"tab\\tnl\\ncr\\r"'],
  ['"\\q"', ["q"], "q"],
  ['"with space"."a#b^c"', ["with space", "a#b^c"], '"with space"."a#b^c"'],
  ['"-flag"', ["-flag"], '"-flag"']
]

/** [input, position, message, hint pattern] */
const errors: ReadonlyArray<readonly [string, number, string, RegExp]> = [
  ["", 0, "the attribute path is empty in attribute path ''", /separated by '\.'/],
  ["a.", 1, "the attribute path ends with '.' in attribute path 'a.'", /trailing/],
  [".a", 0, "an attribute name is empty in attribute path '.a'", /'""'/],
  ["a..b", 2, "an attribute name is empty in attribute path 'a..b'", /'""'/],
  ['a."b', 2, "missing closing quote in attribute path 'a.\"b'", /End the quoted name/],
  ['"a\\', 2, "a '\\' ends the text in attribute path '\"a\\'", /backslash/],
  ['"${x}"', 1, "'${' (an interpolation) is not allowed in an attribute name in attribute path '\"${x}\"'", /\\\$\{/],
  ["a b", 1, "expected '.' after the attribute name, found ' ' in attribute path 'a b'", /Separate/],
  ['a"b"', 1, "expected '.' after the attribute name, found '\"' in attribute path 'a\"b\"'", /Separate/],
  ["a.$b", 2, "unexpected character '$' in attribute path 'a.$b'", /Quote/],
  ["-a", 0, "the attribute path starts with '-', which a command line would read as an option in attribute path '-a'", /"-a"/],
  ['"a\u0000"', 0, "an attribute name cannot contain a NUL character in attribute path '\"a\u0000\"'", /Remove/]
]

describe("AttributePath", () => {
  describe("parses and prints", () => {
    for (const [input, segments, printed] of examples) {
      it(JSON.stringify(input), () => {
        const p = parsed(input)
        expect([...p]).toStrictEqual(segments)
        expect(AttributePath.print(p)).toBe(printed)
        expect([...parsed(printed)]).toStrictEqual(segments)
      })
    }
  })

  describe("rejects bad paths with the message, position and a hint", () => {
    for (const [input, position, message, hint] of errors) {
      it(JSON.stringify(input), () => {
        const e = errorOf(input)
        expect([e._tag, e.kind, e.input]).toEqual(["ParseError", "AttributePath", input])
        expect(e.message).toBe(message)
        expect(e.position).toBe(position)
        expect(e.hint).toMatch(hint)
      })
    }
  })

  it.effect("parse is an Effect", () =>
    Effect.gen(function* () {
      expect([...(yield* AttributePath.parse("a.b"))]).toEqual(["a", "b"])
      expect((yield* Effect.flip(AttributePath.parse("a..b")))._tag).toBe("ParseError")
    }))

  it("quotes exactly the segments that are not identifiers or are keywords", () => {
    for (const k of ["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]) {
      expect(AttributePath.printSegment(k)).toBe(`"${k}"`)
    }
    for (const id of ["a", "_", "A1", "x86_64-linux", "foo'", "a-b-c", "__findFile", "iff", "order", "inherits"]) {
      expect(AttributePath.printSegment(id)).toBe(id)
    }
    for (const s of ["1a", "-a", "'a", "a.b", "", "a b", "é", "a$b"]) {
      expect(AttributePath.printSegment(s).startsWith('"')).toBe(true)
    }
  })

  it("make validates segments", () => {
    expect(AttributePath.make(["a", ""])).toStrictEqual(Either.right(["a", ""]))
    expect(Either.getOrThrow(Either.flip(AttributePath.make([])))).toMatchObject({ _tag: "ValidationError", field: "attrPath", message: "an attribute path needs at least one segment" })
    expect(Either.getOrThrow(Either.flip(AttributePath.make(["a", "b\u0000"])))).toMatchObject({ field: "attrPath[1]" })
    expect(Either.isLeft(AttributePath.make(["\ud800"]))).toBe(true)
  })

  it("schemas: AttributePath and AttributePathFromString", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(AttributePath.AttributePath)([]))).toBe(true)
    const p = Schema.decodeUnknownSync(AttributePath.AttributePathFromString)('a."b.c"')
    expect([...p]).toEqual(["a", "b.c"])
    expect(Schema.encodeSync(AttributePath.AttributePathFromString)(p)).toBe('a."b.c"')
    expect(Either.isLeft(Schema.decodeUnknownEither(AttributePath.AttributePathFromString)("a."))).toBe(true)
  })

  describe("the command-line selection path (Nix's parseAttrPath)", () => {
    const sel = (text: string) => [...Either.getOrThrowWith(AttributePath.parseSelectionEither(text), (e) => new Error(e.message))]
    it("reads as Nix does: quotes group, no escapes, an empty last segment is dropped", () => {
      expect(sel('packages.x86_64-linux."foo.bar"')).toStrictEqual(["packages", "x86_64-linux", "foo.bar"])
      expect(sel('a"b"c')).toStrictEqual(["abc"])
      expect(sel('"\\${x}"')).toStrictEqual(["\\${x}"])
      expect(sel("a..b")).toStrictEqual(["a", "", "b"])
      expect(sel("a.")).toStrictEqual(["a"])
      expect(sel("a..")).toStrictEqual(["a", ""])
      expect(sel(".a")).toStrictEqual(["", "a"])
      expect(sel("if.a b")).toStrictEqual(["if", "a b"])
      expect(Either.getOrThrow(Either.flip(AttributePath.parseSelectionEither('a."b')))).toMatchObject({ position: 2, message: "missing closing quote in attribute path 'a.\"b'" })
      expect(Either.getOrThrow(Either.flip(AttributePath.parseSelectionEither('""')))).toMatchObject({ message: "the attribute path names no attribute in attribute path '\"\"'" })
    })

    it("prints with quotes only around names that need them, never escapes", () => {
      const show = (segments: ReadonlyArray<string>) => Either.getOrThrow(AttributePath.printSelectionPath(AttributePath.unsafeMake(segments)))
      expect(show(["packages", "x86_64-linux", "hello"])).toBe("packages.x86_64-linux.hello")
      expect(show(["x", "foo.bar", "${y}", "if", "7zip"])).toBe('x."foo.bar"."${y}".if.7zip')
      expect(show(["a", ""])).toBe('a."".""')
      expect(show([""])).toBe('"".""')
      expect(Either.isLeft(AttributePath.printSelectionPath(AttributePath.unsafeMake(['a"b'])))).toBe(true)
      expect(AttributePath.isSelectable(AttributePath.unsafeMake(['a"b']))).toBe(false)
    })

    it("parseSelection(printSelection(p)) equals p for every selectable path", () => {
      const segmentArb = fc.oneof(fc.string({ unit: "grapheme", maxLength: 6 }), fc.string({ unit: fc.constantFrom(..."a.\\${} #"), maxLength: 6 })).filter((s) => !s.includes('"') && !s.includes("\u0000"))
      fc.assert(
        fc.property(fc.array(segmentArb, { minLength: 1, maxLength: 5 }).map(AttributePath.unsafeMake), (p) => {
          const text = Either.getOrThrow(AttributePath.printSelectionPath(p))
          expect(sel(text)).toStrictEqual([...p])
        }),
        { numRuns: 3000 }
      )
    })
  })

  describe("properties", () => {
    /** Any Unicode text (whole code points) without NUL, biased towards the characters that matter. */
    const segmentArb = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 8 }),
      fc.string({ unit: fc.constantFrom(..."ab_-'.\"\\${}\n\t\r #^%"), maxLength: 8 }),
      fc.constantFrom("if", "or", "in", "x86_64-linux", "", "${", "\\${", "$${")
    ).filter((s) => !s.includes("\u0000"))
    const pathArb = fc.array(segmentArb, { minLength: 1, maxLength: 5 }).map(AttributePath.unsafeMake)

    it("parse(print(p)) equals p and print is stable", () => {
      fc.assert(
        fc.property(pathArb, (p) => {
          const text = AttributePath.print(p)
          const back = parsed(text)
          expect([...back]).toStrictEqual([...p])
          expect(AttributePath.print(back)).toBe(text)
        }),
        { numRuns: 3000 }
      )
    })

    it("print(parse(x)) is stable for any text that parses, and parse never throws", () => {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(..."ab1_-'.\"\\${}\n #é+"), maxLength: 16 }), (text) => {
          const r = AttributePath.parseEither(text)
          if (Either.isRight(r)) {
            const once = AttributePath.print(r.right)
            expect(AttributePath.print(parsed(once))).toBe(once)
          }
        }),
        { numRuns: 3000 }
      )
    })
  })
})
