/**
 * The types of NixOS module options (`lib.types`), as an algebra: atoms (`str`, `bool`, `int`,
 * `float`, `path`, `package`, `port`, `attrs`) and the constructors `listOf t`, `attrsOf t`,
 * `nullOr t`, `enum [..]`, `either a b` and `submodule { name = t; }`.
 *
 * The compact syntax the CLI reads is Nix's own application syntax without the `types.`
 * prefix: `listOf str`, `nullOr (enum ["a" "b"])`, `attrsOf (listOf int)`,
 * `submodule { enable = bool; port = port; }`. `parse` reads it, `print` writes it back with
 * parentheses only where needed, and `check` tells whether a JSON value (an option default)
 * fits a type.
 */
import { Effect, ParseResult, Schema } from "effect"
import { isIdentifier } from "./AttributePath.js"
import { ParseError } from "./Errors.js"
import { isDottedName } from "./internal/names.js"
import * as Json from "./Json.js"

/** The atomic types. */
export const atoms = ["str", "bool", "int", "float", "path", "package", "port", "attrs"] as const
/** An atomic type's name. */
export type AtomName = (typeof atoms)[number]

/** An `enum` member: a string or an integer. */
export type EnumValue = string | number

/** A module option type. */
export type OptionType =
  | { readonly _tag: "Atom"; readonly name: AtomName }
  | { readonly _tag: "ListOf"; readonly element: OptionType }
  | { readonly _tag: "AttrsOf"; readonly element: OptionType }
  | { readonly _tag: "NullOr"; readonly element: OptionType }
  | { readonly _tag: "Enum"; readonly values: ReadonlyArray<EnumValue> }
  | { readonly _tag: "Either"; readonly left: OptionType; readonly right: OptionType }
  | { readonly _tag: "Submodule"; readonly options: { readonly [name: string]: OptionType } }

const self: Schema.Schema<OptionType> = Schema.suspend(() => OptionType)

/** Schema of an option type (the tagged form; see `OptionTypeFromString` for the compact syntax). */
export const OptionType: Schema.Schema<OptionType> = Schema.Union(
  Schema.TaggedStruct("Atom", { name: Schema.Literal(...atoms) }),
  Schema.TaggedStruct("ListOf", { element: self }),
  Schema.TaggedStruct("AttrsOf", { element: self }),
  Schema.TaggedStruct("NullOr", { element: self }),
  Schema.TaggedStruct("Enum", { values: Schema.Array(Schema.Union(Schema.String, Schema.Int)) }),
  Schema.TaggedStruct("Either", { left: self, right: self }),
  Schema.TaggedStruct("Submodule", {
    options: Schema.Record({ key: Schema.String.pipe(Schema.filter(isIdentifier)), value: self })
  })
).annotations({ identifier: "OptionType" }) // recursive: JSON Schema (OpenAPI) refers to it by this name

/** Constructors. */
export const atom = (name: AtomName): OptionType => ({ _tag: "Atom", name })
export const listOf = (element: OptionType): OptionType => ({ _tag: "ListOf", element })
export const attrsOf = (element: OptionType): OptionType => ({ _tag: "AttrsOf", element })
export const nullOr = (element: OptionType): OptionType => ({ _tag: "NullOr", element })
export const enumOf = (values: ReadonlyArray<EnumValue>): OptionType => ({ _tag: "Enum", values })
export const either = (left: OptionType, right: OptionType): OptionType => ({ _tag: "Either", left, right })
export const submodule = (options: { readonly [name: string]: OptionType }): OptionType => ({ _tag: "Submodule", options })

// ---------------------------------------------------------------------------------------------
// Printing

const printString = (s: string): string =>
  `"${s.replace(/[\\"\n\r\t]|\$\{/g, (c) => ({ "\\": "\\\\", "\"": "\\\"", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] ?? "\\${")}"`

const printArgument = (type: OptionType): string => (type._tag === "Atom" ? type.name : `(${print(type)})`)

/** Prints a type in the compact syntax, e.g. `nullOr (enum ["a" "b"])`. */
export const print = (type: OptionType): string => {
  switch (type._tag) {
    case "Atom":
      return type.name
    case "ListOf":
      return `listOf ${printArgument(type.element)}`
    case "AttrsOf":
      return `attrsOf ${printArgument(type.element)}`
    case "NullOr":
      return `nullOr ${printArgument(type.element)}`
    case "Enum":
      return `enum [${type.values.map((v) => (typeof v === "string" ? printString(v) : String(v))).join(" ")}]`
    case "Either":
      return `either ${printArgument(type.left)} ${printArgument(type.right)}`
    case "Submodule": {
      const entries = Object.entries(type.options).map(([name, t]) => ` ${name} = ${print(t)};`)
      return `submodule {${entries.join("")} }`
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const grammarHint =
  "Write a type as in `lib.types` without the `types.` prefix: str, bool, int, float, path, package, port, attrs, " +
  "listOf T, attrsOf T, nullOr T, either A B, enum [\"a\" \"b\" 1], submodule { name = T; }; put parentheses around " +
  "an argument that is not an atom, e.g. nullOr (listOf str)."

class Parser {
  pos = 0
  constructor(readonly input: string) {}

  fail(message: string, position = this.pos): ParseError {
    return new ParseError({ kind: "OptionType", input: this.input, position, message, hint: grammarHint })
  }

  skipSpace(): void {
    while (this.pos < this.input.length && /\s/.test(this.input[this.pos]!)) this.pos++
  }

  peek(): string | undefined {
    this.skipSpace()
    return this.input[this.pos]
  }

  expect(c: string): void {
    if (this.peek() !== c) throw this.fail(`expected ${JSON.stringify(c)} ${this.found()}`)
    this.pos++
  }

  found(): string {
    return this.pos < this.input.length ? `but found ${JSON.stringify(this.input[this.pos])}` : "but the input ended"
  }

  word(): string {
    this.skipSpace()
    const m = /^[A-Za-z_][A-Za-z0-9_'-]*/.exec(this.input.slice(this.pos))
    if (m === null) throw this.fail(`expected a type ${this.found()}`)
    this.pos += m[0].length
    return m[0]
  }

  type(): OptionType {
    if (this.peek() === "(") {
      this.pos++
      const inner = this.type()
      this.expect(")")
      return inner
    }
    const start = this.pos
    const name = this.word()
    switch (name) {
      case "listOf":
        return listOf(this.argument())
      case "attrsOf":
        return attrsOf(this.argument())
      case "nullOr":
        return nullOr(this.argument())
      case "either":
        return either(this.argument(), this.argument())
      case "enum":
        return enumOf(this.enumValues())
      case "submodule":
        return submodule(this.submoduleOptions())
      default:
        if ((atoms as ReadonlyArray<string>).includes(name)) return atom(name as AtomName)
        throw this.fail(`unknown type ${JSON.stringify(name)}`, start)
    }
  }

  argument(): OptionType {
    if (this.peek() === "(") return this.type()
    const start = this.pos
    const name = this.word()
    if ((atoms as ReadonlyArray<string>).includes(name)) return atom(name as AtomName)
    throw this.fail(`${JSON.stringify(name)} takes arguments: put it in parentheses when it is an argument`, start)
  }

  enumValues(): ReadonlyArray<EnumValue> {
    this.expect("[")
    const values: Array<EnumValue> = []
    for (;;) {
      const c = this.peek()
      if (c === "]") break
      if (c === "\"") values.push(this.string())
      else {
        const m = /^-?[0-9]+/.exec(this.input.slice(this.pos))
        if (m === null) throw this.fail(`expected a string, an integer or "]" in an enum ${this.found()}`)
        const n = Number(m[0])
        if (!Number.isSafeInteger(n)) throw this.fail(`the integer ${m[0]} is too large`)
        values.push(n)
        this.pos += m[0].length
      }
    }
    this.pos++
    return values
  }

  string(): string {
    const start = this.pos
    this.pos++
    let out = ""
    while (this.pos < this.input.length) {
      const c = this.input[this.pos++]!
      if (c === "\"") return out
      if (c === "\\") {
        if (this.pos >= this.input.length) break
        const e = this.input[this.pos++]!
        out += e === "n" ? "\n" : e === "r" ? "\r" : e === "t" ? "\t" : e
      } else out += c
    }
    throw this.fail("unterminated string", start)
  }

  submoduleOptions(): { readonly [name: string]: OptionType } {
    this.expect("{")
    const options = new Map<string, OptionType>()
    while (this.peek() !== "}") {
      const start = this.pos
      const name = this.word()
      if (!isIdentifier(name)) throw this.fail(`${JSON.stringify(name)} is a keyword, not an option name`, start)
      if (options.has(name)) throw this.fail(`option ${JSON.stringify(name)} is declared twice`, start)
      this.expect("=")
      options.set(name, this.type())
      this.expect(";")
    }
    this.pos++
    return Object.fromEntries(options)
  }
}

/** Parses the compact syntax, e.g. `attrsOf (listOf int)`. */
export const parse = (text: string): Effect.Effect<OptionType, ParseError> =>
  Effect.try({
    try: () => {
      const parser = new Parser(text)
      const type = parser.type()
      if (parser.peek() !== undefined) throw parser.fail(`unexpected ${JSON.stringify(text[parser.pos])} after the type`)
      return type
    },
    catch: (e) => e as ParseError
  })

/** Schema between the compact syntax and an option type. */
export const OptionTypeFromString: Schema.Schema<OptionType, string> = Schema.transformOrFail(Schema.String, OptionType, {
  strict: true,
  decode: (text, _, ast) => parse(text).pipe(Effect.mapError((e) => new ParseResult.Type(ast, text, e.message))),
  encode: (type) => ParseResult.succeed(print(type))
})

// ---------------------------------------------------------------------------------------------
// Checking values

const show = (value: Json.Json): string => JSON.stringify(value)
const isPathString = (value: string): boolean => /^(?:\/|\.\/|\.\.\/)/.test(value)

const atomChecks: { readonly [K in AtomName]: readonly [(value: Json.Json) => boolean, string] } = {
  str: [(v) => typeof v === "string", "a string"],
  bool: [(v) => typeof v === "boolean", "a boolean"],
  int: [(v) => Number.isSafeInteger(v), "an integer"],
  float: [(v) => typeof v === "number", "a number"],
  path: [(v) => typeof v === "string" && isPathString(v), "a path (a string starting with /, ./ or ../)"],
  package: [(v) => typeof v === "string" && isDottedName(v), "a package name (identifiers joined by dots, e.g. hello or python3Packages.requests)"],
  port: [(v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 65535, "a port (an integer from 0 to 65535)"],
  attrs: [Json.isObject, "an attribute set"]
}

interface Mismatch {
  /** Where in the value, e.g. `[1].name`; empty for the value itself. */
  readonly where: string
  readonly problem: string
}

const inside = (where: string, m: Mismatch | undefined): Mismatch | undefined =>
  m === undefined ? undefined : { where: where + m.where, problem: m.problem }

const find = (type: OptionType, value: Json.Json): Mismatch | undefined => {
  const not = (expected: string): Mismatch => ({ where: "", problem: `${show(value)} is not ${expected}` })
  switch (type._tag) {
    case "Atom": {
      const [fits, expected] = atomChecks[type.name]
      return fits(value) ? undefined : not(expected)
    }
    case "ListOf": {
      if (!Array.isArray(value)) return not("a list")
      const list = value as ReadonlyArray<Json.Json>
      for (let i = 0; i < list.length; i++) {
        const m = inside(`[${i}]`, find(type.element, list[i]!))
        if (m !== undefined) return m
      }
      return undefined
    }
    case "AttrsOf": {
      if (!Json.isObject(value)) return not("an attribute set")
      for (const [name, element] of Object.entries(value)) {
        const m = inside(`.${name}`, find(type.element, element))
        if (m !== undefined) return m
      }
      return undefined
    }
    case "NullOr":
      return value === null ? undefined : find(type.element, value)
    case "Enum":
      if (type.values.length === 0) return { where: "", problem: `${show(value)} is not allowed: the enum has no values` }
      return type.values.includes(value as EnumValue) ? undefined : not(`one of ${type.values.map(show).join(", ")}`)
    case "Either":
      return find(type.left, value) === undefined || find(type.right, value) === undefined
        ? undefined
        : { where: "", problem: `${show(value)} is neither ${print(type.left)} nor ${print(type.right)}` }
    case "Submodule": {
      if (!Json.isObject(value)) return not("an attribute set")
      for (const [name, element] of Object.entries(value)) {
        if (!Object.hasOwn(type.options, name)) return { where: "", problem: `the submodule has no option ${JSON.stringify(name)}` }
        const m = inside(`.${name}`, find(type.options[name]!, element))
        if (m !== undefined) return m
      }
      return undefined
    }
  }
}

/**
 * Why `value` does not fit `type`, or undefined when it does. The reason says where in the
 * value the problem is, e.g. `at [1]: 70000 is not a port (an integer from 0 to 65535)`.
 * `float` accepts any number: JSON does not tell `1` from `1.0` (a printer writes floats with a
 * decimal point).
 */
export const mismatch = (type: OptionType, value: Json.Json): string | undefined => {
  const m = find(type, value)
  return m === undefined ? undefined : m.where === "" ? m.problem : `at ${m.where}: ${m.problem}`
}

/** Whether a JSON value fits a type (a default or an example of an option). */
export const check = (type: OptionType, value: Json.Json): boolean => mismatch(type, value) === undefined
