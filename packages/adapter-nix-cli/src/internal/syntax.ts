/**
 * Nix syntax errors as the domain's `ParseError`: the code Nix parsed (the expression the
 * adapter passed, or the file Nix names) and the offset of the line and column it reports.
 */
import type { CommandError } from "@cim-nix/domain"
import { ParseError } from "@cim-nix/domain"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type SyntaxErrorAt, syntaxError } from "./diagnosis.js"

/** The zero-based offset of a one-based line and column in `text`, at most its length. */
export const offsetOf = (text: string, line: number, column: number): number => {
  const lines = text.split("\n").slice(0, Math.max(0, line - 1))
  return Math.min(text.length, lines.reduce((sum, l) => sum + l.length + 1, 0) + Math.max(0, column - 1))
}

/** The text Nix parsed: `expression` for code given as a string, else the named file (its path when unreadable). */
const parsedText = (at: SyntaxErrorAt, expression: string | undefined): string | undefined => {
  if (at.origin === "«string»" || at.origin === "«stdin»") return expression
  if (!Path.isAbsolute(at.origin)) return undefined
  try {
    return Fs.readFileSync(at.origin, "utf8")
  } catch {
    return undefined
  }
}

/**
 * A `ParseError` when Nix's stderr in `error` reports a syntax error, `error` otherwise;
 * `expression` is the code passed as a string (`--expr`, stdin), when there is one.
 */
export const classify =
  (expression?: string) =>
  (error: CommandError): CommandError | ParseError => {
    const at = error.stderrTail === undefined ? undefined : syntaxError(error.stderrTail)
    if (at === undefined) return error
    const text = parsedText(at, expression)
    return new ParseError({
      kind: "NixSyntax",
      input: text ?? at.origin,
      position: text === undefined ? 0 : offsetOf(text, at.line, at.column),
      message: `${at.message} at ${at.origin}:${at.line}:${at.column}`,
      hint: `Fix the Nix code at line ${at.line}, column ${at.column}${at.origin.startsWith("«") ? "" : ` of ${at.origin}`}: look for a missing ';', operand or closing bracket, or an unbalanced quote.`
    })
  }
