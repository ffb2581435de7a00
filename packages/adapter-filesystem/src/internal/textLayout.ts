/**
 * Where lines start and end in source text, and how to insert and remove bindings so that the
 * result keeps the file's layout: a binding on its own line is inserted on a new line with the
 * same indentation and line terminator (`\n` or `\r\n`) and removed with its whole line; a
 * binding sharing its line with others is inserted or removed with one space. Removing what was
 * inserted gives back the original bytes.
 */

/** A replacement of `deleted` at `offset` (in the text before the change) by `inserted`. */
export interface Change {
  readonly offset: number
  readonly deleted: string
  readonly inserted: string
}

/** A span of text: `[start, end)`. */
export interface Span {
  readonly start: number
  readonly end: number
}

/** Index of the first character of the line holding `index`. */
export const lineStart = (text: string, index: number): number => text.lastIndexOf("\n", index - 1) + 1

/** Index of the line terminator (`\n` or the `\r` of `\r\n`) ending the line holding `index`, or the text's length. */
export const lineEnd = (text: string, index: number): number => {
  const newline = text.indexOf("\n", index)
  if (newline < 0) return text.length
  return newline > 0 && text[newline - 1] === "\r" ? newline - 1 : newline
}

/** The line terminator of the line holding `index` (for the last line: `\r\n` if the file uses it anywhere). */
export const lineTerminator = (text: string, index: number): string => {
  const end = lineEnd(text, index)
  if (end < text.length) return text[end] === "\r" ? "\r\n" : "\n"
  return text.includes("\r\n") ? "\r\n" : "\n"
}

/** The spaces and tabs that open the line holding `index`. */
export const indentation = (text: string, index: number): string => {
  const start = lineStart(text, index)
  return /^[ \t]*/.exec(text.slice(start))![0]
}

/** Whether only spaces and tabs come before `index` on its line. */
export const startsLine = (text: string, index: number): boolean =>
  /^[ \t]*$/.test(text.slice(lineStart(text, index), index))

/**
 * When only spaces, tabs and a `#` comment follow `index` on its line: the index where the line
 * ends. Otherwise (more code, or a block comment, follows) undefined.
 */
export const restOfLine = (text: string, index: number): number | undefined => {
  let i = index
  while (text[i] === " " || text[i] === "\t") i++
  if (i === text.length || text[i] === "\n" || text.startsWith("\r\n", i) || text[i] === "#") return lineEnd(text, i)
  return undefined
}

/**
 * Inserts `bindings` after the token ending at `end`: each on a new line indented with `indent`
 * when nothing but a comment follows that token on its line, else on the same line after a space.
 */
export const insertAfter = (text: string, end: number, bindings: ReadonlyArray<string>, indent: string): Change => {
  const lineEndsAt = restOfLine(text, end)
  if (lineEndsAt !== undefined) {
    const eol = lineTerminator(text, end)
    return { offset: lineEndsAt, deleted: "", inserted: bindings.map((b) => eol + indent + b).join("") }
  }
  return { offset: end, deleted: "", inserted: bindings.map((b) => " " + b).join("") }
}

/**
 * Removes the given spans (bindings, formals). Spans separated by whitespace only are removed as
 * one. A group alone on its line(s) goes with its line terminator, indentation and trailing
 * comment; otherwise it goes with the spaces before it (or, at the start of a line, after it).
 */
export const remove = (text: string, spans: ReadonlyArray<Span>): ReadonlyArray<Change> => {
  const sorted = [...spans].sort((a, b) => a.start - b.start)
  const groups: Array<{ start: number; end: number }> = []
  for (const span of sorted) {
    const last = groups[groups.length - 1]
    if (last !== undefined && /^\s*$/.test(text.slice(last.end, span.start))) last.end = Math.max(last.end, span.end)
    else groups.push({ start: span.start, end: span.end })
  }
  return groups.map(({ start, end }) => {
    const lineBegins = lineStart(text, start)
    const tail = restOfLine(text, end)
    let from = start
    let to = end
    if (startsLine(text, start) && tail !== undefined && lineBegins > 0) {
      from = lineBegins - (text[lineBegins - 2] === "\r" ? 2 : 1)
      to = tail
    } else if (!startsLine(text, start)) {
      while (from > 0 && (text[from - 1] === " " || text[from - 1] === "\t")) from--
    } else {
      while (text[to] === " " || text[to] === "\t") to++
    }
    return { offset: from, deleted: text.slice(from, to), inserted: "" }
  })
}

/** Applies changes made against `text` (non-overlapping) and returns the new text. */
export const apply = (text: string, changes: ReadonlyArray<Change>): string => {
  let result = text
  for (const change of [...changes].sort((a, b) => b.offset - a.offset)) {
    result = result.slice(0, change.offset) + change.inserted + result.slice(change.offset + change.deleted.length)
  }
  return result
}
