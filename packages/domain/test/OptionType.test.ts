import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import type { Json } from "../src/Json.js"
import { OptionType } from "../src/index.js"
import { fitting, optionType } from "./support/arbitraries.js"

const { atom, attrsOf, either, enumOf, listOf, nullOr, submodule } = OptionType

const parseError = (text: string) => Effect.flip(OptionType.parse(text))

describe("OptionType", () => {
  it.effect("parses the compact syntax", () =>
    Effect.gen(function* () {
      expect(yield* OptionType.parse("listOf str")).toEqual(listOf(atom("str")))
      expect(yield* OptionType.parse("nullOr (enum [\"a\" \"b\"])")).toEqual(nullOr(enumOf(["a", "b"])))
      expect(yield* OptionType.parse("attrsOf (listOf int)")).toEqual(attrsOf(listOf(atom("int"))))
      expect(yield* OptionType.parse("either str (listOf port)")).toEqual(either(atom("str"), listOf(atom("port"))))
      expect(yield* OptionType.parse("submodule { enable = bool; ports = listOf port; }")).toEqual(
        submodule({ enable: atom("bool"), ports: listOf(atom("port")) })
      )
      expect(yield* OptionType.parse("enum [1 -2 \"x\\\"y\\n\"]")).toEqual(enumOf([1, -2, "x\"y\n"]))
      expect(yield* OptionType.parse("  ( listOf(  (str) ) )  ")).toEqual(listOf(atom("str")))
      expect(yield* OptionType.parse("submodule {}")).toEqual(submodule({}))
    }))

  it("prints with parentheses only around arguments that are not atoms", () => {
    expect(OptionType.print(nullOr(enumOf(["a", "b"])))).toBe("nullOr (enum [\"a\" \"b\"])")
    expect(OptionType.print(attrsOf(listOf(atom("int"))))).toBe("attrsOf (listOf int)")
    expect(OptionType.print(either(atom("str"), nullOr(atom("path"))))).toBe("either str (nullOr path)")
    expect(OptionType.print(listOf(submodule({ name: atom("str"), port: atom("port") })))).toBe("listOf (submodule { name = str; port = port; })")
    expect(OptionType.print(submodule({}))).toBe("submodule { }")
    expect(OptionType.print(enumOf(["a\\b", "${x}", "t\tr\r"]))).toBe("enum [\"a\\\\b\" \"\\${x}\" \"t\\tr\\r\"]")
  })

  it.effect("reports where the text breaks the grammar", () =>
    Effect.gen(function* () {
      const hint = (yield* parseError("strng")).hint
      expect(hint).toMatch(/^Write a type as in `lib.types` without the `types.` prefix/)
      const cases: ReadonlyArray<readonly [string, number, string]> = [
        ["strng", 0, "unknown type \"strng\""],
        ["listOf listOf str", 7, "\"listOf\" takes arguments: put it in parentheses when it is an argument"],
        ["listOf", 6, "expected a type but the input ended"],
        ["str int", 4, "unexpected \"i\" after the type"],
        ["enum [\"a\"", 9, "expected a string, an integer or \"]\" in an enum but the input ended"],
        ["enum [\"a]", 6, "unterminated string"],
        ["enum [a]", 6, "expected a string, an integer or \"]\" in an enum but found \"a\""],
        ["enum [99999999999999999999]", 6, "the integer 99999999999999999999 is too large"],
        ["submodule { a = str; a = int; }", 21, "option \"a\" is declared twice"],
        ["submodule { if = str; }", 12, "\"if\" is a keyword, not an option name"],
        ["submodule { a = str }", 20, "expected \";\" but found \"}\""],
        ["(str", 4, "expected \")\" but the input ended"],
        ["", 0, "expected a type but the input ended"]
      ]
      for (const [input, position, message] of cases) {
        expect(yield* parseError(input)).toMatchObject({ _tag: "ParseError", kind: "OptionType", input, position, message, hint })
      }
    }))

  it("print and parse round trip", () => {
    fc.assert(
      fc.property(optionType(true), (type) => {
        const printed = OptionType.print(type)
        const parsed = Effect.runSync(OptionType.parse(printed))
        expect(parsed).toEqual(type)
        expect(OptionType.print(parsed)).toBe(printed)
      }),
      { numRuns: 400 }
    )
  })

  it("the schemas round trip through the compact syntax and through JSON", () => {
    fc.assert(
      fc.property(optionType(true), (type) => {
        const text = Schema.encodeSync(OptionType.OptionTypeFromString)(type)
        expect(Schema.decodeSync(OptionType.OptionTypeFromString)(text)).toEqual(type)
        const tagged = Schema.encodeSync(OptionType.OptionType)(type)
        expect(Schema.decodeUnknownSync(OptionType.OptionType)(JSON.parse(JSON.stringify(tagged)))).toEqual(type)
      }),
      { numRuns: 200 }
    )
  })

  it("every value built to fit a type passes check", () => {
    fc.assert(
      fc.property(optionType(false).chain((t) => fc.tuple(fc.constant(t), fitting(t))), ([type, value]) => {
        expect(OptionType.mismatch(type, value)).toBeUndefined()
        expect(OptionType.check(type, value)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("checks values against each type and says where they do not fit", () => {
    const cases: ReadonlyArray<readonly [string, Json, string | undefined]> = [
      ["str", "x", undefined],
      ["str", 1, "1 is not a string"],
      ["bool", false, undefined],
      ["bool", "true", "\"true\" is not a boolean"],
      ["int", -3, undefined],
      ["int", 1.5, "1.5 is not an integer"],
      ["float", 1.5, undefined],
      ["float", "1.5", "\"1.5\" is not a number"],
      ["path", "/etc/nixos", undefined],
      ["path", "./hardware.nix", undefined],
      ["path", "../common", undefined],
      ["path", "etc/nixos", "\"etc/nixos\" is not a path (a string starting with /, ./ or ../)"],
      ["package", "python3Packages.requests", undefined],
      ["package", "hello world", "\"hello world\" is not a package name (identifiers joined by dots, e.g. hello or python3Packages.requests)"],
      ["port", 0, undefined],
      ["port", 65535, undefined],
      ["port", 65536, "65536 is not a port (an integer from 0 to 65535)"],
      ["port", -1, "-1 is not a port (an integer from 0 to 65535)"],
      ["port", 80.5, "80.5 is not a port (an integer from 0 to 65535)"],
      ["attrs", { a: [1] }, undefined],
      ["attrs", [], "[] is not an attribute set"],
      ["attrs", null, "null is not an attribute set"],
      ["listOf port", [1, 70000], "at [1]: 70000 is not a port (an integer from 0 to 65535)"],
      ["listOf port", { a: 1 }, "{\"a\":1} is not a list"],
      ["attrsOf (listOf int)", { a: [1], b: [2, "x"] }, "at .b[1]: \"x\" is not an integer"],
      ["attrsOf int", "x", "\"x\" is not an attribute set"],
      ["nullOr str", null, undefined],
      ["nullOr str", 3, "3 is not a string"],
      ["enum [\"a\" 2]", 2, undefined],
      ["enum [\"a\" 2]", "b", "\"b\" is not one of \"a\", 2"],
      ["enum []", "a", "\"a\" is not allowed: the enum has no values"],
      ["either int bool", true, undefined],
      ["either int (listOf str)", "x", "\"x\" is neither int nor listOf str"],
      ["submodule { a = int; b = str; }", { a: 1 }, undefined],
      ["submodule { a = int; }", { b: 1 }, "the submodule has no option \"b\""],
      ["submodule { a = int; }", { constructor: 1 }, "the submodule has no option \"constructor\""],
      ["submodule { a = listOf int; }", { a: [true] }, "at .a[0]: true is not an integer"],
      ["submodule { a = int; }", 1, "1 is not an attribute set"]
    ]
    for (const [text, value, expected] of cases) {
      const type = Effect.runSync(OptionType.parse(text))
      expect([text, OptionType.mismatch(type, value)]).toEqual([text, expected])
      expect(OptionType.check(type, value)).toBe(expected === undefined)
    }
  })
})
