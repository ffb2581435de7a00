/**
 * Attribute paths: `packages.x86_64-linux.hello`, `legacyPackages.x86_64-linux."foo.bar"`.
 *
 * An attribute path is a non-empty list of segments (attribute names). Segments are any text
 * without NUL, the empty name included (Nix allows `{ "" = 1; }.""`). Written form:
 *
 * - segments are separated by `.`;
 * - a segment is written bare when it is a Nix identifier (`[a-zA-Z_][a-zA-Z0-9_'-]*`) and not
 *   a keyword (`if then else assert with let in rec inherit or`; `or` is allowed as an
 *   attribute name by Nix's grammar in some places but not all, so it is quoted too);
 * - any other segment is written as a Nix string: `"..."` with `\"`, `\\`, `\${` (an unescaped
 *   `${` would be an interpolation), `\n`, `\r`, `\t` escaped.
 *
 * {@link parse} accepts what {@link print} writes, and, like the Nix command line, also bare
 * segments that are not identifiers (`7zip`, `if`, `gtk+`: letters, digits, `_`, `'`, `+`,
 * `-`); {@link print} quotes those. Inside quotes, `\c` is `c` for any other `c`, as in Nix.
 *
 * The command line has its own, simpler syntax for the attribute path after `#` (Nix's
 * `parseAttrPath`, the same in 2.8 and today): split at every `.` outside double quotes, quotes
 * only group (`a."b.c"` is `a`, `b.c`; `a"b"c` is `abc`), no escapes at all (`"\${x}"` names
 * `\${x}`), and an empty last segment is dropped (`a.` is `a`). {@link parseSelectionPath} and
 * {@link printSelectionPath} read and write that syntax; `Installable` uses them. A segment
 * holding `"` cannot be named on the command line.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ParseError, ValidationError } from "./Errors.js"

/** Nix's keywords: never bare attribute names in the printed form. */
export const KEYWORDS: ReadonlySet<string> = new Set(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"])

const IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_'-]*$/
const BARE_CHAR = /[\p{L}\p{N}_'+-]/u
const LONE_SURROGATE = /\p{Cs}/u

/** True when `segment` can be written without quotes: a Nix identifier that is not a keyword. */
export const isIdentifier = (segment: string): boolean => IDENTIFIER.test(segment) && !KEYWORDS.has(segment)

const segmentProblem = (segment: string): string | undefined =>
  segment.includes("\u0000")
    ? "contains a NUL character, which no Nix attribute name can hold"
    : LONE_SURROGATE.test(segment)
      ? "is not valid Unicode text (lone surrogate)"
      : undefined

/** A non-empty list of attribute names. */
export const AttributePath = Schema.NonEmptyArray(Schema.String).pipe(
  Schema.filter((segments) => {
    for (const s of segments) {
      const why = segmentProblem(s)
      if (why !== undefined) return `segment ${JSON.stringify(s)} ${why}`
    }
    return true
  }),
  Schema.brand("AttributePath"),
  Schema.annotations({ identifier: "AttributePath", description: "A Nix attribute path such as packages.x86_64-linux.hello" })
)
export type AttributePath = typeof AttributePath.Type

/** Validates a list of segments: at least one, none holding NUL or a lone surrogate. */
export const make = (segments: ReadonlyArray<string>): Either.Either<AttributePath, ValidationError> => {
  if (segments.length === 0) {
    return Either.left(new ValidationError({ field: "attrPath", message: "an attribute path needs at least one segment", hint: "Give the attribute names, e.g. ['packages', 'x86_64-linux', 'hello']." }))
  }
  for (const [i, s] of segments.entries()) {
    const why = segmentProblem(s)
    if (why !== undefined) {
      return Either.left(new ValidationError({ field: `attrPath[${i}]`, message: `segment ${JSON.stringify(s)} ${why}`, hint: "Remove the character." }))
    }
  }
  return Either.right([...segments] as unknown as AttributePath)
}

/** Like {@link make}, throwing on invalid segments: for literals in code and tests. */
export const unsafeMake = (segments: ReadonlyArray<string>): AttributePath =>
  Either.getOrThrowWith(make(segments), (e) => new Error(e.message))

/** One segment as Nix source: bare when an identifier, else a quoted, escaped string. */
export const printSegment = (segment: string): string =>
  isIdentifier(segment)
    ? segment
    : `"${segment
        .replace(/[\\"\n\r\t]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\${c}`))
        .replace(/\$\{/g, "\\${")}"`

/** The path as Nix writes it: `packages.x86_64-linux."foo.bar"`. */
export const print = (path: ReadonlyArray<string>): string => path.map(printSegment).join(".")

const fail = (input: string, position: number, message: string, hint: string) =>
  Either.left(new ParseError({ kind: "AttributePath", input, position, message: `${message} in attribute path '${input}'`, hint }))

/** Reads an attribute path; `Either` flavour of {@link parse}, for synchronous callers. */
export const parseEither = (text: string): Either.Either<AttributePath, ParseError> => {
  if (text === "") return fail(text, 0, "the attribute path is empty", "Give attribute names separated by '.', e.g. 'packages.x86_64-linux.hello'.")
  const lone = LONE_SURROGATE.exec(text)
  if (lone !== null) return fail(text, lone.index, "the text is not valid Unicode (lone surrogate)", "Remove the broken character.")
  if (text.startsWith("-")) return fail(text, 0, "the attribute path starts with '-', which a command line would read as an option", `Quote the name: '"${text.split(".")[0]}"'.`)
  const segments: Array<string> = []
  let i = 0
  for (;;) {
    const start = i
    let segment = ""
    if (text[i] === '"') {
      i++
      for (;;) {
        if (i >= text.length) return fail(text, start, "missing closing quote", "End the quoted name with '\"'.")
        const c = text[i]!
        if (c === '"') break
        if (c === "\\") {
          if (i + 1 >= text.length) return fail(text, i, "a '\\' ends the text", "Write a backslash as '\\\\' and close the quote.")
          const n = text[i + 1]!
          segment += n === "n" ? "\n" : n === "r" ? "\r" : n === "t" ? "\t" : n
          i += 2
          continue
        }
        if (c === "$" && text[i + 1] === "{") return fail(text, i, "'${' (an interpolation) is not allowed in an attribute name", "Write a literal '${' as '\\${'.")
        segment += c
        i++
      }
      i++
      if (segment.includes("\u0000")) return fail(text, start, "an attribute name cannot contain a NUL character", "Remove it.")
    } else {
      while (i < text.length) {
        const cp = text.codePointAt(i)!
        const ch = String.fromCodePoint(cp)
        if (!BARE_CHAR.test(ch)) break
        segment += ch
        i += ch.length
      }
      if (segment === "") {
        if (i >= text.length || text[i] === ".") {
          return fail(text, i, i >= text.length ? "the attribute path ends with '.'" : "an attribute name is empty", "Remove the extra '.', or write an empty name as '\"\"'.")
        }
        return fail(text, i, `unexpected character '${String.fromCodePoint(text.codePointAt(i)!)}'`, "Quote attribute names that contain other characters than letters, digits, '_', \"'\", '+' and '-': '\"foo.bar\"'.")
      }
    }
    segments.push(segment)
    if (i >= text.length) break
    if (text[i] !== ".") {
      return fail(text, i, `expected '.' after the attribute name, found '${String.fromCodePoint(text.codePointAt(i)!)}'`, "Separate attribute names with '.'; quote a name that contains other characters: '\"a b\"'.")
    }
    i++
    if (i >= text.length) return fail(text, i - 1, "the attribute path ends with '.'", "Remove the trailing '.'.")
  }
  return Either.right(segments as unknown as AttributePath)
}

/**
 * Reads an attribute path (`packages.x86_64-linux."foo.bar"`). Fails with a ParseError (kind
 * "AttributePath") giving the input, the offset of the problem and a hint.
 */
export const parse = (text: string): Effect.Effect<AttributePath, ParseError> => parseEither(text)

/** Schema between the written form and an AttributePath (decode = {@link parse}, encode = {@link print}). */
export const AttributePathFromString = Schema.transformOrFail(Schema.String, Schema.typeSchema(AttributePath), {
  strict: true,
  decode: (s, _, ast) => Either.mapLeft(parseEither(s), (e) => new ParseResult.Type(ast, s, `${e.message}. ${e.hint}`)),
  encode: (path) => ParseResult.succeed(print(path))
}).annotations({ identifier: "AttributePathFromString" })


/* ---------------------------------------------------------------------------------------- */
/* the command-line selection path                                                            */
/* ---------------------------------------------------------------------------------------- */

const SELECTION_PLAIN = /^[A-Za-z0-9_'+-]+$/

/** True when Nix's command line can name every segment (none holds `"`). */
export const isSelectable = (path: AttributePath): boolean => path.every((s) => !s.includes('"'))

/**
 * The path in the command-line syntax (`packages.x86_64-linux."foo.bar"`): segments other than
 * `[A-Za-z0-9_'+-]+` are quoted, never escaped; an empty last segment gets a trailing `.""`
 * (Nix drops an empty last segment). Fails for a segment holding `"`, which the command line
 * cannot name.
 */
export const printSelectionPath = (path: AttributePath): Either.Either<string, ValidationError> => {
  const bad = path.findIndex((s) => s.includes('"'))
  if (bad >= 0) {
    return Either.left(
      new ValidationError({
        field: `attrPath[${bad}]`,
        message: `attribute name ${JSON.stringify(path[bad])} contains '"', which Nix's command line cannot name`,
        hint: "Select the attribute in a Nix expression instead (nix eval --expr / --apply)."
      })
    )
  }
  const text = path.map((s) => (SELECTION_PLAIN.test(s) ? s : `"${s}"`)).join(".")
  return Either.right(path[path.length - 1] === "" ? `${text}.""` : text)
}

/**
 * Reads the command-line syntax exactly as Nix does (see the module comment). Fails on a missing
 * closing quote, on a path that names no attribute (`""`), and on NUL.
 */
export const parseSelectionEither = (text: string): Either.Either<AttributePath, ParseError> => {
  const segments: Array<string> = []
  let cur = ""
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === ".") {
      segments.push(cur)
      cur = ""
    } else if (c === '"') {
      const close = text.indexOf('"', i + 1)
      if (close < 0) return fail(text, i, "missing closing quote", "End the quoted name with '\"'.")
      cur += text.slice(i + 1, close)
      i = close
    } else cur += c
  }
  if (cur !== "") segments.push(cur)
  if (segments.length === 0) return fail(text, 0, "the attribute path names no attribute", "Give attribute names separated by '.', e.g. 'packages.x86_64-linux.hello'.")
  const lone = LONE_SURROGATE.exec(text)
  if (lone !== null) return fail(text, lone.index, "the text is not valid Unicode (lone surrogate)", "Remove the broken character.")
  if (text.includes("\u0000")) return fail(text, text.indexOf("\u0000"), "an attribute name cannot contain a NUL character", "Remove it.")
  return Either.right(segments as unknown as AttributePath)
}

/** Effect flavour of {@link parseSelectionEither}. */
export const parseSelectionPath = (text: string): Effect.Effect<AttributePath, ParseError> => parseSelectionEither(text)
