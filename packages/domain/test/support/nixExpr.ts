// Generators of NixExpr values and of text that stresses Nix's string syntax, shared by the unit
// and the integration tests of the printer; and a model of Nix's string lexer (lexer.l and
// stripIndentation of Nix 2.8, unchanged since) that reads back a printed string literal
// without running Nix, so that the unit tests can check escaping over many inputs quickly.
import * as fc from "fast-check"
import { NixExpr as N } from "../../src/index.js"

/** Pieces that Nix's string syntax treats specially, alone and in combination. */
const specials = ["\"", "\\", "$", "{", "}", "${", "$${", "'", "''", "'''", "''$", "''\\", "\\n", "\n", "\r", "\r\n", "\t", " ", "  ", "#", "é", "😀", "\u2028", "\u007f", "\u0001"]

/** Text made of special pieces and ordinary characters. */
export const trickyText: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...specials), fc.string({ unit: "grapheme", maxLength: 3 })), { maxLength: 12 })
  .map((pieces) => pieces.join(""))

/** Any text a Nix string can hold: full Unicode without NUL, with the tricky pieces mixed in. */
export const nixText: fc.Arbitrary<string> = fc
  .oneof(trickyText, fc.string({ unit: "binary", maxLength: 20 }), fc.string({ unit: "grapheme", maxLength: 20 }))
  .map((s) => s.replace(/\u0000/g, ""))

const keywords = new Set(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"])

/** A Nix identifier that is not a keyword. */
export const identifier: fc.Arbitrary<string> = fc
  .oneof(fc.constantFrom("pkgs", "lib", "config", "x", "self", "true", "null", "a-b", "x'", "_"), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_'-]{0,5}$/))
  .filter((s) => !keywords.has(s))

const paths = ["./.", "../..", "./a.nix", "/nix/store", "/etc/nixos/configuration.nix", "~/x", "<nixpkgs>", "<nixpkgs/lib>", "./a/b-c_d+e.f"]

const operators: ReadonlyArray<N.BinaryOperator> = ["==", "!=", "<", "<=", ">", ">=", "&&", "||", "->", "//", "++", "+", "-", "*", "/"]

const unique = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Array<A> => {
  const seen = new Set<string>()
  return items.filter((item) => !seen.has(key(item)) && seen.add(key(item)) !== undefined)
}

/** One to `max` values. */
const nonEmpty = <A>(arb: fc.Arbitrary<A>, max: number): fc.Arbitrary<readonly [A, ...Array<A>]> =>
  fc.tuple(arb, fc.array(arb, { maxLength: max - 1 })).map(([first, rest]) => [first, ...rest] as const)

const comments = fc.array(fc.oneof(trickyText, fc.constant("")), { minLength: 1, maxLength: 2 })

/** Arbitrary expressions of every kind, always valid (unique names, text without NUL). */
export const expr: fc.Arbitrary<N.NixExpr> = fc.letrec<{ expr: N.NixExpr; leaf: N.NixExpr }>((tie) => {
  const sub = tie("expr")
  const key: fc.Arbitrary<N.AttrKey> = fc.oneof({ weight: 5, arbitrary: nixText }, { weight: 1, arbitrary: tie("leaf") })
  const binding = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(nonEmpty(key, 3), sub).map(([path, value]) => N.bind(path, value)) },
    { weight: 1, arbitrary: fc.tuple(nixText, sub, comments).map(([name, value, c]) => N.bind(name, value, { comments: c })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(nonEmpty(nixText, 3), fc.option(sub, { nil: undefined }))
        .map(([[first, ...rest], from]) => N.inherit([first, ...unique(rest, (n) => n).filter((n) => n !== first)], from === undefined ? {} : { from }))
    }
  )
  // The first static name of each binding is unique in its set, so no name is defined twice.
  // A `${"text"}` key is static too (Nix reads it as the name `text`).
  const staticName = (key: N.AttrKey): ReadonlyArray<string> =>
    typeof key === "string" ? [key] : key._tag === "String" && key.parts.every((p) => typeof p === "string") ? [key.parts.join("")] : []
  const bindings = fc.array(binding, { maxLength: 4 }).map((bs) => {
    const names = new Set<string>()
    return bs.filter((b) => {
      const own = b._tag === "Inherit" ? b.names : staticName(b.path[0])
      if (own.some((n) => names.has(n))) return false
      own.forEach((n) => names.add(n))
      return true
    })
  })
  const letBindings = fc
    .array(fc.tuple(identifier, sub), { maxLength: 3 })
    .map((bs) => unique(bs, ([name]) => name).map(([name, value]) => N.bind(name, value)))
  const formals = fc
    .record({
      formals: fc.array(fc.tuple(identifier, fc.option(sub, { nil: undefined })), { maxLength: 3 }),
      ellipsis: fc.boolean(),
      bind: fc.option(identifier, { nil: undefined })
    })
    .map(({ formals, ellipsis, bind }) => {
      const list = unique(formals, ([name]) => name)
      return {
        formals: list.map(([name, d]) => (d === undefined ? name : { name, default: d })),
        ellipsis,
        ...(bind === undefined || list.some(([name]) => name === bind) ? {} : { bind })
      }
    })
  return {
    leaf: fc.oneof(
      fc.tuple(nixText, fc.constantFrom<N.StringStyle>("auto", "double", "indented")).map(([t, style]) => N.string(t, style)),
      fc.constantFrom(...paths).map(N.path),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(N.int),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(N.float),
      fc.boolean().map(N.bool),
      fc.constant(N.nullValue),
      identifier.map(N.ident)
    ),
    expr: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      tie("leaf"),
      fc
        .tuple(fc.array(fc.oneof(nixText, tie("leaf")), { maxLength: 4 }), fc.constantFrom<N.StringStyle>("auto", "double", "indented"))
        .map(([parts, style]) => N.string(parts, style)),
      fc.array(sub, { maxLength: 4 }).map(N.list),
      fc.tuple(fc.boolean(), bindings).map(([rec, bs]) => (rec ? N.recAttrs(bs) : N.attrs(bs))),
      fc.tuple(letBindings, sub).map(([bs, body]) => N.letIn(bs, body)),
      fc.tuple(sub, sub).map(([scope, body]) => N.withScope(scope, body)),
      fc.tuple(fc.oneof(identifier, formals), sub).map(([param, body]) => N.lambda(param, body)),
      fc.tuple(sub, nonEmpty(sub, 3)).map(([fn, args]) => N.apply(fn, ...args)),
      fc
        .tuple(sub, nonEmpty(key, 3), fc.option(sub, { nil: undefined }))
        .map(([subject, path, orDefault]) => N.select(subject, path, orDefault)),
      fc.tuple(sub, sub, sub).map(([c, t, e]) => N.ifThenElse(c, t, e)),
      fc.tuple(sub, fc.constantFrom(...operators), sub).map(([l, op, r]) => N.binary(l, op, r)),
      fc.tuple(comments, sub).map(([c, e]) => N.commented(c, e))
    )
  }
}).expr

// ---------------------------------------------------------------------------------------------
// A model of how Nix reads a string literal without interpolations.

const unescape = (chunk: string): string => {
  let out = ""
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk[i]!
    if (c === "\\") {
      const next = chunk[++i]!
      out += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next
    } else if (c === "\r") {
      out += "\n"
      if (chunk[i + 1] === "\n") i++
    } else out += c
  }
  return out
}

/** Reads a `"..."` literal as Nix's lexer does (units of `([^$"\\]|$[^{"\\]|\\ANY|$\\ANY)+`, then `unescapeStr`). */
const readDoubleQuoted = (src: string): string => {
  let i = 1
  let chunk = ""
  while (src[i] !== "\"") {
    if (i >= src.length) throw new Error(`unterminated string: ${src}`)
    if (src.startsWith("${", i)) throw new Error(`interpolation in ${JSON.stringify(src)} at ${i}`)
    const c = src[i]!
    const next = src[i + 1]
    const n = c === "\\" ? 2 : c === "$" ? (next === "\\" ? 3 : next === "\"" ? 1 : 2) : 1
    chunk += src.slice(i, i + n)
    i += n
  }
  if (i !== src.length - 1) throw new Error(`text after the string: ${JSON.stringify(src)}`)
  return unescape(chunk)
}

interface IndToken {
  readonly text: string
  readonly hasIndentation: boolean
}

/** The `(\ *\n)?`-opened '' literal's tokens, longest match first as flex does. */
const lexIndented = (src: string): Array<IndToken> => {
  const open = /^''( *\n)?/.exec(src)!
  let i = open[0].length
  const tokens: Array<IndToken> = []
  for (;;) {
    if (i >= src.length) throw new Error(`unterminated '' string: ${JSON.stringify(src)}`)
    let j = i
    for (;;) {
      const c = src[j]
      const next = src[j + 1]
      if (c === undefined) break
      if (c !== "$" && c !== "'") j += 1
      else if (c === "$" && next !== undefined && next !== "{" && next !== "'") j += 2
      else if (c === "'" && next !== undefined && next !== "'" && next !== "$") j += 2
      else break
    }
    if (j > i) {
      tokens.push({ text: src.slice(i, j), hasIndentation: true })
      i = j
    } else if (src.startsWith("''\\", i)) {
      tokens.push({ text: unescape(src.slice(i + 2, i + 4)), hasIndentation: false })
      i += 4
    } else if (src.startsWith("'''", i)) {
      tokens.push({ text: "''", hasIndentation: false })
      i += 3
    } else if (src.startsWith("''$", i)) {
      tokens.push({ text: "$", hasIndentation: false })
      i += 3
    } else if (src.startsWith("${", i)) {
      throw new Error(`interpolation in ${JSON.stringify(src)} at ${i}`)
    } else if (src.startsWith("''", i)) {
      if (i + 2 !== src.length) throw new Error(`text after the string: ${JSON.stringify(src)}`)
      return tokens
    } else {
      tokens.push({ text: src[i]!, hasIndentation: false })
      i += 1
    }
  }
}

/** Reads a '' literal: lexing, then `stripIndentation` exactly as Nix does. */
const readIndented = (src: string): string => {
  const es = lexIndented(src)
  let atStartOfLine = true
  let minIndent = 1000000
  let curIndent = 0
  for (const t of es) {
    if (!t.hasIndentation) {
      if (atStartOfLine) {
        atStartOfLine = false
        minIndent = Math.min(minIndent, curIndent)
      }
      continue
    }
    for (const c of t.text) {
      if (atStartOfLine) {
        if (c === " ") curIndent++
        else if (c === "\n") curIndent = 0
        else {
          atStartOfLine = false
          minIndent = Math.min(minIndent, curIndent)
        }
      } else if (c === "\n") {
        atStartOfLine = true
        curIndent = 0
      }
    }
  }
  atStartOfLine = true
  let curDropped = 0
  return es
    .map((t, index) => {
      let s2 = ""
      for (const c of t.text) {
        if (atStartOfLine) {
          if (c === " ") {
            if (curDropped++ >= minIndent) s2 += c
          } else if (c === "\n") {
            curDropped = 0
            s2 += c
          } else {
            atStartOfLine = false
            curDropped = 0
            s2 += c
          }
        } else {
          s2 += c
          if (c === "\n") atStartOfLine = true
        }
      }
      if (index === es.length - 1) {
        const p = s2.lastIndexOf("\n")
        if (p >= 0 && /^ *$/.test(s2.slice(p + 1))) s2 = s2.slice(0, p + 1)
      }
      return s2
    })
    .join("")
}

/** The text Nix reads from a printed string literal (`"..."` or '' form, without interpolations). */
export const readNixString = (src: string): string => (src.startsWith("\"") ? readDoubleQuoted(src) : readIndented(src))
