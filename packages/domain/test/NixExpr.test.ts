import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { NixExpr as N } from "../src/index.js"
import { expr, identifier, nixText, readNixString } from "./support/nixExpr.js"

const print = (e: N.NixExpr, width?: number): string => Effect.runSync(N.print(e, width === undefined ? undefined : { width }))

const failure = (e: N.NixExpr) => {
  const result = Effect.runSync(Effect.either(N.print(e)))
  if (Either.isRight(result)) throw new Error(`expected a ValidationError, printed ${result.right}`)
  return result.left
}

const { ident: v, int, string: str } = N

describe("NixExpr strings", () => {
  it("escapes \\ \" ${ and control characters in \"...\" strings", () => {
    expect(print(str("hello"))).toBe(`"hello"`)
    expect(print(str("a\"b\\c${d}$e {f} \n\r\t"))).toBe(`"a\\"b\\\\c\\\${d}$e {f} \\n\\r\\t"`)
    expect(print(str(""))).toBe(`""`)
    expect(print(str([]))).toBe(`""`)
  })

  it("keeps `$${` literal and escapes a `$` right before an interpolation", () => {
    expect(print(str("$${x}"))).toBe(`"$\\\${x}"`)
    expect(print(str(["cost: $", v("price")]))).toBe(`"cost: \\$\${price}"`)
    expect(print(str(["$", "{not code}"]))).toBe(`"\\\${not code}"`)
    expect(print(str("ends with $"))).toBe(`"ends with $"`)
  })

  it("interpolates expressions, never text", () => {
    expect(print(str(["Hello ", v("name"), "!"]))).toBe(`"Hello \${name}!"`)
    expect(print(str(["v", N.select(v("pkgs"), ["lib", "version"]), str(".")]))).toBe(`"v\${pkgs.lib.version}\${"."}"`)
  })

  it("writes multi-line text as an indented '' string, indented with its context", () => {
    const script = str("set -e\necho hi\n")
    expect(print(script)).toBe("''\n  set -e\n  echo hi\n''")
    expect(print(N.attrs({ buildPhase: script }))).toBe("{\n  buildPhase = ''\n    set -e\n    echo hi\n  '';\n}")
    expect(print(str(["a\n", v("x"), "\nb"]))).toBe("''\n  a\n  ${x}\n  b''")
    expect(print(str("a\n\n  b"))).toBe("''\n  a\n\n    b''")
  })

  it("keeps \"...\" for a single line with a newline at its end, for text with CR, and when asked", () => {
    expect(print(str("one line\n"))).toBe(`"one line\\n"`)
    expect(print(str("a\r\nb"))).toBe(`"a\\r\\nb"`)
    expect(print(str("a\nb", "double"))).toBe(`"a\\nb"`)
    expect(print(str("a", "indented"))).toBe("''\n  a''")
  })

  it("escapes '' ${ CR and a final ' in '' strings", () => {
    expect(print(str("a''b\n${c}\n", "indented"))).toBe("''\n  a'''b\n  ''${c}\n''")
    expect(print(str(["$", v("x"), "\n"], "indented"))).toBe("''\n  ''$${x}\n''")
    expect(print(str("it's\nJohn's'", "indented"))).toBe("''\n  it's\n  John's''\\'''")
    expect(print(str("'${x}\n", "indented"))).toBe("''\n  ''\\'''${x}\n''")
    expect(print(str("a\rb\n", "indented"))).toBe("''\n  a''\\rb\n''")
  })

  it("keeps leading and trailing spaces that Nix would strip from '' strings", () => {
    // Every line indented: the first space is escaped so that Nix strips only the printer's indentation.
    expect(print(str("  a\n  b", "indented"))).toBe("''\n  ''\\  a\n    b''")
    // A last line of only spaces would be dropped: its last space is escaped.
    expect(print(str("a\n  ", "indented"))).toBe("''\n  a\n   ''\\ ''")
    expect(print(str(" ", "indented"))).toBe("''\n  ''\\ ''")
  })

  it("reads back as the same text for any input, in both forms (model of Nix's lexer)", () => {
    fc.assert(
      fc.property(nixText, (text) => {
        expect(readNixString(print(str(text, "double")))).toBe(text)
        expect(readNixString(print(str(text, "indented")))).toBe(text)
        // Inside a set that must break, the string is indented with the binding.
        const inSet = print(N.attrs([N.bind("x", str(text, "indented"), { comments: "c" })]))
        expect(readNixString(inSet.slice(inSet.indexOf("x = ") + 4, inSet.lastIndexOf(";")))).toBe(text)
      }),
      { numRuns: 500 }
    )
  })

  it("rejects NUL and lone surrogates with a ValidationError that says where", () => {
    const nul = failure(N.attrs({ a: N.list([int(1), str("x\u0000y")]) }))
    expect(nul._tag).toBe("ValidationError")
    expect(nul.field).toBe("expression.a[1]")
    expect(nul.message).toBe(`string "x\\u0000y" contains the NUL character (at offset 1), which a Nix string cannot hold`)
    expect(nul.hint).toMatch(/Remove the NUL character/)
    expect(failure(str("a\uD800b")).message).toMatch(/lone UTF-16 surrogate \(\\uD800 at offset 1\)/)
    expect(failure(N.attrs({ "a\u0000": int(1) })).message).toMatch(/^attribute name "a\\u0000" contains the NUL character/)
    expect(failure(N.commented("\u0000", int(1))).message).toMatch(/^comment/)
    fc.assert(
      fc.property(nixText, nixText, (before, after) => {
        expect(failure(str(before + "\u0000" + after)).message).toMatch(/NUL/)
      }),
      { numRuns: 100 }
    )
  })
})

describe("NixExpr attribute names", () => {
  it("quotes names that are not identifiers or are keywords", () => {
    const names = ["ok", "x86_64-linux", "a'", "_", "foo bar", "", "if", "or", "inherit", "1x", "a\"b", "${x}", "a.b"]
    expect(print(N.attrs(names.map((n) => N.bind(n, int(1)))), 1000)).toBe(
      `{ ok = 1; x86_64-linux = 1; a' = 1; _ = 1; "foo bar" = 1; "" = 1; "if" = 1; "or" = 1; "inherit" = 1; "1x" = 1; "a\\"b" = 1; "\\\${x}" = 1; "a.b" = 1; }`
    )
  })

  it("reads back as the same name for any text (model of Nix's lexer)", () => {
    fc.assert(
      fc.property(nixText, (name) => {
        const text = print(N.attrs([N.bind(name, int(1))]), 10_000)
        const written = text.slice("{ ".length, -" = 1; }".length)
        expect(written.startsWith("\"") ? readNixString(written) : written).toBe(name)
      }),
      { numRuns: 300 }
    )
  })
})

describe("NixExpr paths", () => {
  it("writes path literals as they are", () => {
    expect(print(N.list(["./a.nix", "../..", "./.", "/etc/nixos", "modules/web.nix", "~/x", "<nixpkgs>", "<nixpkgs/lib>"].map(N.path)))).toBe(
      "[ ./a.nix ../.. ./. /etc/nixos modules/web.nix ~/x <nixpkgs> <nixpkgs/lib> ]"
    )
  })

  it("rejects anything that is not one path literal", () => {
    for (const bad of ["./a b", "a", "./a/", "/", ".", "./a//b", "<a b>", "./${x}", "./a;b", "~", "<>", "", "./ä"]) {
      const error = failure(N.path(bad))
      expect(error.message).toBe(`${JSON.stringify(bad)} is not a Nix path literal`)
      expect(error.hint).toMatch(/For other file names use a string/)
    }
  })
})

describe("NixExpr numbers, booleans, null, variables", () => {
  it("writes integers, negative ones in parentheses where an operand must be simple", () => {
    expect(print(N.list([int(42), int(-5), int(0n)]))).toBe("[ 42 (-5) 0 ]")
    expect(print(N.apply(v("f"), int(-1)))).toBe("f (-1)")
    expect(print(N.attrs({ x: int(-1) }))).toBe("{ x = -1; }")
    expect(print(int(9223372036854775807n))).toBe("9223372036854775807")
    expect(print(N.list([int(-(2n ** 63n))]))).toBe("[ (-9223372036854775807 - 1) ]")
  })

  it("rejects integers outside int64 and non-integral numbers", () => {
    expect(failure(int(2n ** 63n)).message).toBe("9223372036854775808 is outside Nix's 64-bit integer range")
    expect(failure(int(1.5)).hint).toBe("Use NixExpr.float for numbers that are not integers.")
  })

  it("writes floats so that Nix's float syntax reads the same double", () => {
    const floats = [1, 0.1, 1e21, 1.5e-7, 123.456, 0, 1.7976931348623157e308]
    expect(print(N.list(floats.map(N.float)))).toBe("[ 1.0 0.1 1.0e+21 1.5e-7 123.456 0.0 1.7976931348623157e+308 ]")
    expect(print(N.list([N.float(-2.5)]))).toBe("[ (-2.5) ]")
    // Subnormals have no literal (strtod reports underflow): an exact product instead.
    expect(print(N.float(5e-324))).toBe("2.220446049250313e-16 * 2.2250738585072014e-308")
    expect(print(N.float(-5e-324))).toBe("-2.220446049250313e-16 * 2.2250738585072014e-308")
    expect(failure(N.float(Number.NaN)).message).toBe("Nix has no float NaN")
    expect(failure(N.float(-Infinity)).field).toBe("expression")
  })

  it("writes booleans, null and variables; rejects invalid variable names", () => {
    expect(print(N.list([N.bool(true), N.bool(false), N.nullValue, v("pkgs"), v("a-b'")]))).toBe("[ true false null pkgs a-b' ]")
    const bad = failure(N.list([v("let")]))
    expect([bad.field, bad.message]).toEqual(["expression[0]", `variable "let" is not a Nix identifier`])
    expect(failure(v("a b")).hint).toMatch(/^Use a Nix identifier/)
  })
})

describe("NixExpr lists and attribute sets", () => {
  it("keeps short lists on one line and breaks long ones one item per line", () => {
    expect(print(N.list([]))).toBe("[ ]")
    const items = N.list([v("git"), N.apply(v("f"), v("x")), N.select(v("pkgs"), "hello"), N.lambda("x", v("x"))])
    expect(print(items)).toBe("[ git (f x) pkgs.hello (x: x) ]")
    expect(print(items, 20)).toBe("[\n  git\n  (f x)\n  pkgs.hello\n  (x: x)\n]")
  })

  it("writes sets flat when short, else one binding per line; nested names as paths", () => {
    expect(print(N.attrs([]))).toBe("{ }")
    expect(print(N.recAttrs([]))).toBe("rec { }")
    const set = N.attrs([N.bind(["a", "b", "c"], int(1)), N.bind(["a", "b", "d"], int(2)), N.bind("e", N.attrs({ f: N.list([]) }))])
    expect(print(set)).toBe("{ a.b.c = 1; a.b.d = 2; e = { f = [ ]; }; }")
    expect(print(set, 30)).toBe("{\n  a.b.c = 1;\n  a.b.d = 2;\n  e = { f = [ ]; };\n}")
    expect(print(set, 18)).toBe("{\n  a.b.c = 1;\n  a.b.d = 2;\n  e = {\n    f = [ ];\n  };\n}")
    expect(print(N.recAttrs({ a: int(1), b: v("a") }))).toBe("rec { a = 1; b = a; }")
  })

  it("writes inherit, inherit (from), dynamic names and binding comments", () => {
    const set = N.attrs([
      N.inherit(["lib", "a b"]),
      N.inherit(["hello"], { from: v("pkgs"), comments: "from nixpkgs" }),
      N.bind(N.select(v("system"), "name"), int(1)),
      N.bind([str(["x-", v("y")]), "z"], int(2), { comments: ["two\r\nlines", ""] })
    ])
    expect(print(set)).toBe(
      '{\n  inherit lib "a b";\n  # from nixpkgs\n  inherit (pkgs) hello;\n  ${system.name} = 1;\n  # two\n  # lines\n  #\n  ${"x-${y}"}.z = 2;\n}'
    )
  })

  it("rejects an attribute defined twice, as Nix does, and also a name given both a value and nested bindings", () => {
    const twice = failure(N.attrs([N.bind("a", int(1)), N.bind("a", int(2))]))
    expect([twice.field, twice.message]).toEqual(["expression.a", "attribute 'a' is defined more than once in the same attribute set"])
    expect(twice.hint).toMatch(/Define each name once/)
    expect(failure(N.attrs([N.bind(["a", "b"], int(1)), N.bind("a", int(2))])).field).toBe("expression.a")
    expect(failure(N.attrs([N.bind("a", N.attrs([])), N.bind(["a", "b"], int(1))])).field).toBe("expression.a")
    expect(failure(N.attrs([N.inherit(["x"]), N.bind(["x"], int(1))])).field).toBe("expression.x")
    expect(failure(N.attrs({ s: N.attrs([N.bind(["a", "b c", "d"], int(1)), N.bind(["a", "b c", "d"], int(2))]) })).field).toBe(
      `expression.s.a."b c".d`
    )
    expect(print(N.attrs([N.bind(["a", "b"], int(1)), N.bind(["a", "c"], int(2)), N.bind([v("d"), "e"], int(3)), N.bind([v("d"), "e"], int(4))]))).toBe(
      "{ a.b = 1; a.c = 2; ${d}.e = 3; ${d}.e = 4; }"
    )
    // Nix reads `${"a"}` (a string without interpolation) as the static name `a`.
    expect(failure(N.attrs([N.bind(str("a"), int(1)), N.bind("a", int(2))])).field).toBe("expression.a")
    expect(failure(N.attrs([N.inherit([""]), N.bind([N.commented("c", str([])), "x"], int(2))])).field).toBe(`expression.""`)
    expect(print(N.attrs([N.bind(str(["a", v("b")]), int(1)), N.bind(str(["a", v("b")]), int(2))]))).toBe('{ ${"a${b}"} = 1; ${"a${b}"} = 2; }')
    expect(print(N.letIn([N.bind(str("a"), int(1))], v("a")))).toBe('let ${"a"} = 1; in a')
  })
})

describe("NixExpr.collapseNested", () => {
  it("writes chains of one-binding sets as attribute paths, and leaves the rest", () => {
    const config = N.fromJson({ services: { nginx: { enable: true, virtualHosts: { "a.org": { root: "/srv" } } } }, boot: {}, x: { y: 1 } })
    expect(print(N.collapseNested(config as N.AttrSet))).toBe(
      `{ services.nginx = { enable = true; virtualHosts."a.org".root = "/srv"; }; boot = { }; x.y = 1; }`
    )
    const kept = N.attrs([
      N.bind("r", N.recAttrs({ a: int(1) })),
      N.bind("c", N.attrs([N.bind("d", int(1), { comments: "note" })])),
      N.bind("i", N.attrs([N.inherit(["j"])]))
    ])
    expect(N.collapseNested(kept)).toEqual(kept)
    expect(print(N.collapseNested(N.attrs({ a: N.attrs({ b: N.attrs({ c: N.recAttrs({ d: int(1) }) }) }) })))).toBe("{ a.b.c = rec { d = 1; }; }")
  })
})

describe("NixExpr let, with, lambdas, application, select, if", () => {
  it("writes let ... in flat or with one binding per line", () => {
    const e = N.letIn([N.bind("a", int(1)), N.inherit(["mkIf"], { from: v("lib") })], N.list([v("a")]))
    expect(print(e)).toBe("let a = 1; inherit (lib) mkIf; in [ a ]")
    expect(print(e, 20)).toBe("let\n  a = 1;\n  inherit (lib) mkIf;\nin\n[ a ]")
    const dynamic = failure(N.letIn([N.bind(v("x"), int(1))], int(1)))
    expect([dynamic.field, dynamic.message]).toEqual(["expression.let.${...}", "a `let` binding cannot have a dynamic (`${...}`) name"])
    expect(failure(N.letIn({ a: int(1), b: N.letIn([N.bind("c", int(1)), N.bind("c", int(2))], int(0)) }, int(0))).message).toBe(
      "attribute 'c' is defined more than once in the same `let`"
    )
  })

  it("writes with", () => {
    expect(print(N.withScope(v("pkgs"), N.list([v("git"), v("vim")])))).toBe("with pkgs; [ git vim ]")
    expect(print(N.withScope(v("pkgs"), N.list([v("git"), v("vim")])), 16)).toBe("with pkgs; [\n  git\n  vim\n]")
  })

  it("writes lambdas with a name, formals, defaults, ... and @", () => {
    expect(print(N.lambda("x", N.lambda("y", v("x"))))).toBe("x: y: x")
    expect(print(N.lambda({ formals: [] }, int(1)))).toBe("{ }: 1")
    expect(print(N.lambda({ formals: [], ellipsis: true }, int(1)))).toBe("{ ... }: 1")
    const module = N.lambda(
      { formals: ["config", "lib", { name: "pkgs", default: N.importExpr(N.path("<nixpkgs>")) }], ellipsis: true, bind: "args" },
      N.attrs({ imports: N.list([N.path("./hardware.nix")]) })
    )
    expect(print(module)).toBe("args@{ config, lib, pkgs ? import <nixpkgs>, ... }: { imports = [ ./hardware.nix ]; }")
    expect(print(module, 60)).toBe("args@{ config, lib, pkgs ? import <nixpkgs>, ... }:\n{ imports = [ ./hardware.nix ]; }")
    expect(print(module, 31)).toBe(
      "args@{\n  config,\n  lib,\n  pkgs ? import <nixpkgs>,\n  ...\n}:\n{\n  imports = [ ./hardware.nix ];\n}"
    )
    expect(print(N.attrs({ f: N.lambda({ formals: ["a"] }, N.list([v("a"), v("a"), v("a")])) }), 12)).toBe(
      "{\n  f = { a }:\n    [\n      a\n      a\n      a\n    ];\n}"
    )
  })

  it("rejects invalid and duplicate argument names", () => {
    expect(failure(N.lambda("a b", int(1))).field).toBe("expression.argument")
    const dup = failure(N.lambda({ formals: ["a", "a"] }, int(1)))
    expect([dup.field, dup.message]).toEqual(["expression.formals.a", "formal argument 'a' is listed twice"])
    expect(failure(N.lambda({ formals: ["a"], bind: "a" }, int(1))).hint).toMatch(/Nix rejects `x@\{ x \}`/)
    expect(failure(N.lambda({ formals: ["in"] }, int(1))).message).toBe(`formal argument "in" is not a Nix identifier`)
  })

  it("writes applications, with parentheses only around arguments that need them", () => {
    expect(print(N.apply(N.apply(v("f"), v("a")), v("b"), N.apply(v("g"), v("c"))))).toBe("f a b (g c)")
    expect(print(N.apply(N.lambda("x", v("x")), int(1)))).toBe("(x: x) 1")
    expect(print(N.apply(N.importExpr(N.path("./pkgs.nix")), N.attrs([])))).toBe("import ./pkgs.nix { }")
    expect(print(N.apply(v("f"), N.select(v("a"), "b"), N.list([int(1)]), str("s"), N.path("./p")))).toBe('f a.b [ 1 ] "s" ./p')
  })

  it("keeps the last argument in place when it is a list, set or '' string that must break", () => {
    const shell = N.apply(N.select(v("pkgs"), "mkShell"), N.attrs({ packages: N.list([v("git"), v("jq")]), shellHook: str("echo hi\nexport A=1\n") }))
    expect(print(shell)).toBe("pkgs.mkShell {\n  packages = [ git jq ];\n  shellHook = ''\n    echo hi\n    export A=1\n  '';\n}")
    expect(print(N.apply(v("f"), v("arg1"), v("arg2")), 8)).toBe("f\n  arg1\n  arg2")
    const override = N.apply(N.select(v("prev"), ["hello", "overrideAttrs"]), N.lambda("old", N.binary(v("old"), "//", N.attrs({ doCheck: N.bool(false), x: int(1) }))))
    expect(print(override, 40)).toBe("prev.hello.overrideAttrs (old: old // {\n  doCheck = false;\n  x = 1;\n})")
  })

  it("writes select with quoted, dynamic names and or; parenthesises subjects that need it", () => {
    expect(print(N.select(v("pkgs"), ["lib", "or", "a b", v("x")], str("d")))).toBe('pkgs.lib."or"."a b".${x} or "d"')
    expect(print(N.select(N.select(v("a"), "b"), "c"))).toBe("a.b.c")
    expect(print(N.select(N.select(v("a"), "b", v("c")), "d"))).toBe("(a.b or c).d")
    expect(print(N.select(N.apply(v("f"), v("x")), "y"))).toBe("(f x).y")
    expect(print(N.select(N.attrs({ a: int(1) }), "a"))).toBe("{ a = 1; }.a")
    expect(print(N.select(N.path("./a.nix"), "b"))).toBe("(./a.nix).b")
    expect(print(N.select(int(1), "b"))).toBe("(1).b")
    expect(print(N.select(v("a"), "b", N.apply(v("f"), v("c"))))).toBe("a.b or (f c)")
  })

  it("writes if, breaking into else-if chains", () => {
    const e = N.ifThenElse(v("a"), int(1), N.ifThenElse(v("b"), int(2), int(3)))
    expect(print(e)).toBe("if a then 1 else if b then 2 else 3")
    expect(print(e, 20)).toBe("if a then\n  1\nelse if b then\n  2\nelse\n  3")
  })
})

describe("NixExpr operators", () => {
  const [a, b, c] = [v("a"), v("b"), v("c")]
  it("parenthesises by precedence and associativity, and only there", () => {
    expect(print(N.binary(a, "//", N.binary(b, "//", c)))).toBe("a // b // c")
    expect(print(N.binary(N.binary(a, "//", b), "//", c))).toBe("(a // b) // c")
    expect(print(N.binary(N.binary(a, "-", b), "-", c))).toBe("a - b - c")
    expect(print(N.binary(a, "-", N.binary(b, "-", c)))).toBe("a - (b - c)")
    expect(print(N.binary(N.binary(a, "==", b), "==", c))).toBe("(a == b) == c")
    expect(print(N.binary(N.binary(a, "+", b), "*", c))).toBe("(a + b) * c")
    expect(print(N.binary(a, "+", N.binary(b, "*", c)))).toBe("a + b * c")
    expect(print(N.binary(N.binary(a, "++", b), "//", c))).toBe("a ++ b // c")
    expect(print(N.binary(N.apply(v("f"), a), "+", N.select(b, "x")))).toBe("f a + b.x")
    expect(print(N.binary(N.lambda("x", v("x")), "//", a))).toBe("(x: x) // a")
    expect(print(N.binary(int(1), "+", N.ifThenElse(a, int(1), int(2))))).toBe("1 + (if a then 1 else 2)")
    expect(print(N.binary(a, "-", int(-1)))).toBe("a - -1")
    expect(print(N.binary(a, "/", b))).toBe("a / b")
    expect(print(N.binary(a, "->", N.binary(b, "->", c)))).toBe("a -> b -> c")
    expect(print(N.binary(N.binary(a, "&&", b), "||", c))).toBe("a && b || c")
    expect(print(N.binary(a, "&&", N.binary(b, "||", c)))).toBe("a && (b || c)")
  })

  it("breaks long operations before the operator, or after a closing bracket", () => {
    const sets = N.binary(N.attrs({ a: int(1) }), "//", N.attrs({ b: int(2) }))
    expect(print(sets, 12)).toBe("{ a = 1; }\n// {\n  b = 2;\n}")
    expect(print(sets, 8)).toBe("{\n  a = 1;\n} // {\n  b = 2;\n}")
    expect(print(N.binary(v("aaaa"), "++", v("bbbb")), 8)).toBe("aaaa\n++ bbbb")
    expect(print(N.binary(v("lib"), "//", N.attrs({ a: int(1), b: int(2) })), 16)).toBe("lib // {\n  a = 1;\n  b = 2;\n}")
  })
})

describe("NixExpr comments", () => {
  it("writes line comments above an expression and list items", () => {
    const file = N.commented(["Generated by cim-nix: do not edit.", "second line"], N.attrs({ a: N.list([N.commented("first", int(1)), int(2)]) }))
    expect(print(file)).toBe("# Generated by cim-nix: do not edit.\n# second line\n{\n  a = [\n    # first\n    1\n    2\n  ];\n}")
  })

  it("cannot end a comment early: CR and LF start a new comment line", () => {
    expect(print(N.commented("a\rb = 1;\nc", int(1)))).toBe("# a\n# b = 1;\n# c\n1")
  })
})

describe("NixExpr.fromJson", () => {
  it("builds attribute sets, lists, numbers, strings, booleans and null", () => {
    const json = { name: "x", list: [1, -2, 2.5, 1e300, true, null], nested: { "a b": {}, "": [] }, big: 9007199254740993, huge: 2 ** 64 }
    expect(print(N.fromJson(json), 200)).toBe(
      `{ name = "x"; list = [ 1 (-2) 2.5 1.0e+300 true null ]; nested = { "a b" = { }; "" = [ ]; }; big = 9007199254740992; huge = 18446744073709552000.0; }`
    )
    expect(N.fromJson(-(2 ** 63))).toEqual(N.int(-(2n ** 63n)))
    expect(N.fromJson(2 ** 63)).toEqual(N.float(2 ** 63))
  })

  it("prints every JSON value without NUL", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (json) => {
        const text = JSON.stringify(json)
        fc.pre(!text.includes("\\u0000"))
        expect(print(N.fromJson(json as never)).length).toBeGreaterThan(0)
      }),
      { numRuns: 300 }
    )
  })
})

describe("NixExpr.print", () => {
  it("is deterministic and validates every generated expression", () => {
    fc.assert(
      fc.property(expr, fc.integer({ min: 10, max: 120 }), (e, width) => {
        const once = Effect.runSync(Effect.either(N.print(e, { width })))
        expect(Either.isRight(once)).toBe(true)
        expect(Effect.runSync(Effect.either(N.print(structuredClone(e), { width })))).toEqual(once)
      }),
      { numRuns: 300 }
    )
  })

  it("keeps one-line forms within the width", () => {
    fc.assert(
      fc.property(fc.array(identifier, { maxLength: 30 }), fc.integer({ min: 10, max: 80 }), (names, width) => {
        const text = print(N.attrs({ xs: N.list(names.map(v)), f: N.apply(v("f"), ...([v("a"), ...names.map(v)] as [N.NixExpr])) }), width)
        for (const line of text.split("\n")) {
          if (line.length > width) expect(line.trim()).toMatch(/^[^ ]+[;]?$/)
        }
      }),
      { numRuns: 200 }
    )
  })

  it.effect("validate succeeds with the expression itself", () =>
    Effect.gen(function* () {
      const e = N.attrs({ a: int(1) })
      expect(yield* N.validate(e)).toBe(e)
    }))
})
