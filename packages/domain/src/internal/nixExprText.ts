/**
 * The lexical side of printing Nix: how string contents, attribute names, paths and numbers are
 * written so that Nix's lexer (2.8 up to today, and Lix, which share these rules) reads back
 * exactly the value meant, and no text can ever become code. The rules follow `lexer.l` and
 * `stripIndentation` of the Nix sources; each one is checked against real `nix` in
 * `test/NixExpr.integration.test.ts`.
 */
import type { NixExpr } from "../NixExpr.js"
import { isIdentifier, isPathLiteral } from "./names.js"

/** A piece of a string: literal text or an interpolated expression. */
export type Part = string | NixExpr

/** The parts with adjacent texts joined and empty texts dropped, so that lookahead across parts is simple. */
export const normalizeParts = (parts: ReadonlyArray<Part>): ReadonlyArray<Part> =>
  parts.reduce<Array<Part>>((out, part) => {
    const last = out.length - 1
    if (typeof part === "string" && typeof out[last] === "string") out[last] = out[last] + part
    else if (part !== "") out.push(part)
    return out
  }, [])

// ---------------------------------------------------------------------------------------------
// Checks shared by every piece of text that reaches the output

/**
 * Why `text` cannot be written into a Nix file, or undefined. Nix strings are C strings (a NUL
 * ends them; Nix 2.20+ rejects it outright), and a lone UTF-16 surrogate has no UTF-8 encoding
 * (Node would silently write U+FFFD instead).
 */
export const textProblem = (text: string): string | undefined => {
  const nul = text.indexOf("\u0000")
  if (nul >= 0) return `contains the NUL character (at offset ${nul}), which a Nix string cannot hold`
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text)
  if (lone !== null) {
    const code = lone[0].charCodeAt(0).toString(16).toUpperCase()
    return `contains a lone UTF-16 surrogate (\\u${code} at offset ${lone.index}), which has no UTF-8 encoding`
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// "..." strings and attribute names

/**
 * The text of a `"..."` string, escaped: `\` `"` as `\\` `\"`, newline, CR and tab as `\n` `\r`
 * `\t` (a raw CR would be read as a newline), and a `$` that is followed by `{` or by an
 * interpolation as `\$` (an unescaped `$` right before `${` would swallow it: `"$${x}"` is the
 * literal text `$${x}`).
 */
export const escapeDoubleQuoted = (text: string, beforeInterpolation: boolean): string =>
  text.replace(/[\\"\n\r\t]|\$(?=\{|$)/g, (c, offset: number) => {
    switch (c) {
      case "\n":
        return "\\n"
      case "\r":
        return "\\r"
      case "\t":
        return "\\t"
      case "$":
        return offset === text.length - 1 && !beforeInterpolation ? "$" : "\\$"
      default:
        return `\\${c}`
    }
  })

/** An attribute name as written in a binding or select: bare when it is an identifier, else quoted. */
export const attrName = (name: string): string => (isIdentifier(name) ? name : `"${escapeDoubleQuoted(name, false)}"`)

// ---------------------------------------------------------------------------------------------
// '' strings

type Token =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "escape"; readonly text: string }
  /** A single `'`: raw unless the next token starts with `'` (then it must be escaped). */
  | { readonly kind: "quote" }
  | { readonly kind: "expr"; readonly expr: NixExpr }

/** A line of a '' string: escaped text and interpolated expressions. */
export type IndentedLine = ReadonlyArray<string | NixExpr>

const escapedSpace: Token = { kind: "escape", text: "''\\ " }

const leadingSpaces = (line: ReadonlyArray<Token>): number => {
  const first = line[0]
  return first?.kind === "text" ? /^ */.exec(first.text)![0].length : 0
}

/** True when the line has anything besides leading spaces: Nix counts its indentation. */
const counts = (line: ReadonlyArray<Token>): boolean => line.some((t) => t.kind !== "text" || /[^ ]/.test(t.text))

/** The line with its first space written as `''\ `, which Nix never strips. */
const escapeFirstSpace = (line: ReadonlyArray<Token>): Array<Token> => {
  const [first, ...rest] = line as [Token & { kind: "text" }, ...Array<Token>]
  const remaining = first.text.slice(1)
  return [escapedSpace, ...(remaining === "" ? [] : [{ kind: "text" as const, text: remaining }]), ...rest]
}

/**
 * The lines of a '' string holding exactly `parts` once Nix has stripped the indentation that the
 * printer adds in front of every non-empty line. Escapes: `''` as `'''`, a `$` before `{` or an
 * interpolation as `''$`, CR as `''\r`, and a single `'` as `''\'` where the next token starts with
 * `'` or the string ends (`'` + `'''` would read as `'''` + `'`). Whitespace: if no counted line
 * starts without spaces, the first space of the first indented line is written `''\ ` so that
 * Nix strips only the printer's indentation; a last line of only spaces (which Nix drops) ends
 * with `''\ `.
 */
export const indentedLines = (parts: ReadonlyArray<Part>): ReadonlyArray<IndentedLine> => {
  const lines: Array<Array<Token>> = [[]]
  const push = (token: Token) => {
    const line = lines[lines.length - 1]!
    const last = line[line.length - 1]
    if (token.kind === "text" && last?.kind === "text") line[line.length - 1] = { kind: "text", text: last.text + token.text }
    else line.push(token)
  }
  parts.forEach((part, p) => {
    if (typeof part !== "string") return push({ kind: "expr", expr: part })
    const beforeInterpolation = p + 1 < parts.length
    for (let i = 0; i < part.length; i++) {
      const c = part[i]!
      const next = part[i + 1]
      if (c === "\n") lines.push([])
      else if (c === "'" && next === "'") {
        push({ kind: "escape", text: "'''" })
        i++
      } else if (c === "'") push({ kind: "quote" })
      else if (c === "$" && (next === "{" || (next === undefined && beforeInterpolation))) push({ kind: "escape", text: "''$" })
      else if (c === "\r") push({ kind: "escape", text: "''\\r" })
      else push({ kind: "text", text: c })
    }
  })

  const lastIndex = lines.length - 1
  const last = lines[lastIndex]!
  if (last.length === 1 && last[0]!.kind === "text" && !counts(last)) {
    const spaces = last[0]!.text.slice(1)
    lines[lastIndex] = [...(spaces === "" ? [] : [{ kind: "text" as const, text: spaces }]), escapedSpace]
  }
  if (!lines.some((line) => counts(line) && leadingSpaces(line) === 0)) {
    const target = lines.findIndex((line) => leadingSpaces(line) > 0)
    if (target >= 0) lines[target] = escapeFirstSpace(lines[target]!)
  }

  return lines.map((line, l) =>
    line.map((token, t) => {
      switch (token.kind) {
        case "expr":
          return token.expr
        case "quote": {
          const next = line[t + 1]
          const closes = next === undefined && l === lastIndex
          return closes || next?.kind === "escape" ? "''\\'" : "'"
        }
        default:
          return token.text
      }
    })
  )
}

/**
 * True when a string reads better as '' string: it spans several lines (a newline before its
 * last character) and holds no CR (which a '' string can only write as `''\r`).
 */
export const prefersIndented = (parts: ReadonlyArray<Part>): boolean => {
  const texts = parts.filter((p): p is string => typeof p === "string")
  if (texts.some((t) => t.includes("\r"))) return false
  const newline = parts.findIndex((p) => typeof p === "string" && p.includes("\n"))
  if (newline < 0) return false
  const text = parts[newline] as string
  return newline < parts.length - 1 || text.indexOf("\n") < text.length - 1
}

// ---------------------------------------------------------------------------------------------
// Paths

const pathChars = "[A-Za-z0-9._+-]+"
const homePath = new RegExp(`^~(?:/${pathChars})+$`)
const searchPath = new RegExp(`^<${pathChars}(?:/${pathChars})*>$`)

/**
 * A path Nix reads as one path literal: `/abs`, `./rel`, `../rel`, `dir/file`, `~/home` or
 * `<search/path>`, made of `A-Za-z0-9._+-` between single slashes, without a trailing slash (an
 * error in Nix 2.8).
 */
export const isPath = (path: string): boolean => isPathLiteral(path) || homePath.test(path) || searchPath.test(path)

// ---------------------------------------------------------------------------------------------
// Numbers

/** A number as Nix source, with the precedence level of what was written (0: a literal, 3: a negation). */
export interface NumberLiteral {
  readonly text: string
  readonly level: number
}

const INT64_MIN = -(2n ** 63n)

/** An int64 (range checked by the validator). The minimum has no literal: it is `-9223372036854775807 - 1`. */
export const intLiteral = (value: bigint): NumberLiteral =>
  value === INT64_MIN
    ? { text: `-${-(value + 1n)} - 1`, level: 7 }
    : value < 0n
      ? { text: `${value}`, level: 3 }
      : { text: `${value}`, level: 0 }

const MIN_NORMAL = 2.2250738585072014e-308

/** The shortest decimal that reads back as `x` (x >= 0), with the `.` Nix's float syntax needs (`1.0e+21`). */
const unsignedFloat = (x: number): string => {
  const [mantissa, exponent] = String(x).split("e") as [string, string | undefined]
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}${exponent === undefined ? "" : `e${exponent}`}`
}

/**
 * A finite float. JavaScript's shortest round-trip decimal is read by Nix's `strtod` as the same
 * double. Subnormals (below 2.2250738585072014e-308) are rejected by Nix's lexer (`strtod`
 * reports underflow), so they are written as an exact product with the smallest normal double.
 * Nix has no negative zero literal: `-0.0` is `0 - 0.0`, which is `0.0`.
 */
export const floatLiteral = (x: number): NumberLiteral => {
  const sign = x < 0 || Object.is(x, -0) ? "-" : ""
  const magnitude = Math.abs(x)
  if (magnitude !== 0 && magnitude < MIN_NORMAL) {
    return { text: `${sign}${unsignedFloat(magnitude * 2 ** 1022)} * ${unsignedFloat(MIN_NORMAL)}`, level: 6 }
  }
  return { text: `${sign}${unsignedFloat(magnitude)}`, level: sign === "" ? 0 : 3 }
}
