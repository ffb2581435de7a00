/**
 * The small subset of the ATerm syntax that Nix uses for `.drv` files: a reader over the text
 * with positions for error messages, and the string escaping Nix writes. Strings escape `"`, `\`,
 * newline, carriage return and tab with a backslash and keep every other character raw, so the
 * codec works on any text: decode the file as UTF-8 for readable values, or as latin1 (one
 * character per byte) to keep bytes that are not UTF-8. Internal: the public API is `Derivation`.
 */

/** Thrown by the reader; the caller turns it into a ParseError. */
export class AtermError {
  constructor(
    readonly position: number,
    readonly message: string,
    readonly hint?: string
  ) {}
}

/** How a character is shown in an error message. */
const show = (c: string | undefined): string => (c === undefined ? "the end of the input" : JSON.stringify(c))

/** A cursor over ATerm text. */
export class Reader {
  position = 0

  constructor(readonly text: string) {}

  /** Consumes `token` or throws, naming what was expected (and with `hint` when there is a better one). */
  expect(token: string, what: string = JSON.stringify(token), hint?: string): void {
    if (!this.text.startsWith(token, this.position)) {
      let at = this.position
      while (at < this.text.length && this.text[at] === token[at - this.position]) at++
      throw new AtermError(at, `expected ${what} at position ${at}, found ${show(this.text[at])}`, hint)
    }
    this.position += token.length
  }

  /** Consumes `token` if it is next. */
  accept(token: string): boolean {
    if (!this.text.startsWith(token, this.position)) return false
    this.position += token.length
    return true
  }

  /** Reads a quoted string, undoing Nix's escapes (`\n`, `\r`, `\t`; `\x` is `x` for any other x, as in Nix). */
  string(what: string): string {
    const start = this.position
    this.expect('"', `${what} (a quoted string)`)
    let out = ""
    let from = this.position
    for (;;) {
      const c = this.text[this.position]
      if (c === undefined) {
        throw new AtermError(start, `the string that starts at position ${start} has no closing '"'`)
      }
      if (c === '"') break
      if (c === "\\") {
        const e = this.text[this.position + 1]
        if (e === undefined) {
          throw new AtermError(this.position, `the string that starts at position ${start} ends in a lone '\\'`)
        }
        out += this.text.slice(from, this.position) + (e === "n" ? "\n" : e === "r" ? "\r" : e === "t" ? "\t" : e)
        this.position += 2
        from = this.position
      } else {
        this.position++
      }
    }
    out += this.text.slice(from, this.position)
    this.position++
    return out
  }

  /**
   * Reads `[item,item,...]`, calling `item` for each element (the reader stands at the element).
   * `what` names the list in error messages.
   */
  list(what: string, item: () => void): void {
    this.expect("[", `"[" opening ${what}`)
    if (this.accept("]")) return
    for (;;) {
      item()
      if (this.accept("]")) return
      this.expect(",", `"," or "]" in ${what}`)
    }
  }

  /** Throws unless the whole text has been read. */
  end(): void {
    if (this.position !== this.text.length) {
      throw new AtermError(
        this.position,
        `expected the end of the derivation at position ${this.position}, found ${show(this.text[this.position])}`
      )
    }
  }
}

/** A string as Nix writes it in a `.drv` file. */
export const quote = (s: string): string => `"${s.replace(/["\\\n\r\t]/g, escapeChar)}"`

const escapeChar = (c: string): string => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\${c}`)

/** `[a,b,...]` of quoted strings. */
export const quoteList = (items: ReadonlyArray<string>): string => `[${items.map(quote).join(",")}]`

/**
 * Orders strings as Nix's `std::map`/`std::set` do: by bytes, which for UTF-8 is code point order
 * (and for latin1 text, one character per byte, code unit order). JavaScript's `<` compares
 * UTF-16 code units, which puts characters above U+FFFF before U+E000..U+FFFF.
 */
export const compareBytes = (a: string, b: string): number => {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y) return codePointRank(x) - codePointRank(y)
  }
  return a.length - b.length
}

/** Moves surrogates (code points above U+FFFF) after U+E000..U+FFFF. */
const codePointRank = (unit: number): number =>
  unit >= 0xd800 && unit <= 0xdfff ? unit + 0x2000 : unit >= 0xe000 ? unit - 0x800 : unit
