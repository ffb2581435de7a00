/**
 * Nix expressions as values, and the one printer that turns them into Nix source.
 *
 * Generated Nix code (flake.nix files, modules, overlays, option defaults) is built as a
 * {@link NixExpr} tree with the constructors below and written by {@link print}, never by
 * pasting text together: text only ever becomes the content of a string, an attribute name or
 * a comment, escaped so that Nix reads back exactly that text. {@link print} validates the tree
 * first and fails with a `ValidationError` for anything Nix could not read back as meant (a NUL
 * in a string, a path with a space, an integer outside int64, a duplicate attribute, ...).
 *
 * The output is stable: 2-space indentation, a list / attribute set / call on one line when it
 * fits in `width` (default 100), else one item or binding per line; parentheses only where
 * Nix's grammar needs them. Strings are written `"..."`, or as '' strings when they span
 * several lines (see {@link StringStyle}).
 *
 * What round-trips through Nix (checked against `nix` 2.8 in the integration test): every
 * string without NUL, every attribute name, every int64, every finite double (Nix keeps the
 * exact value; note that Nix *prints* floats with only 6 significant digits, so compare floats
 * inside Nix, e.g. with `builtins.fromJSON`), except that `-0.0` reads as `0.0` (Nix has no
 * negative zero literal).
 */
import { Effect } from "effect"
import type { ValidationError } from "./Errors.js"
import * as Json from "./Json.js"
import { layout } from "./internal/nixExprLayout.js"
import { check } from "./internal/nixExprValidate.js"

// ---------------------------------------------------------------------------------------------
// The model

/** A Nix expression. */
export type NixExpr =
  | Str
  | Path
  | Int
  | Float
  | Bool
  | Null
  | Ident
  | List
  | AttrSet
  | Let
  | With
  | Lambda
  | Apply
  | Select
  | If
  | BinaryOp
  | Commented

/**
 * How a string is written: `"auto"` picks a '' string for text that spans several lines (a
 * newline before the last character) and holds no carriage return, `"..."` otherwise;
 * `"double"` and `"indented"` force one form. The empty string is always `""`.
 */
export type StringStyle = "auto" | "double" | "indented"

/** A string: literal text and interpolated expressions (`"Hello ${name}!"`). */
export interface Str {
  readonly _tag: "String"
  readonly parts: ReadonlyArray<string | NixExpr>
  readonly style: StringStyle
}

/** A path literal: `./rel`, `../rel`, `/abs`, `~/home` or a search path `<nixpkgs>`. */
export interface Path {
  readonly _tag: "Path"
  readonly path: string
}

/** A 64-bit integer (a `number` must be an integer; a `bigint` gives the whole int64 range). */
export interface Int {
  readonly _tag: "Int"
  readonly value: number | bigint
}

/** A finite double. */
export interface Float {
  readonly _tag: "Float"
  readonly value: number
}

/** `true` or `false`. */
export interface Bool {
  readonly _tag: "Bool"
  readonly value: boolean
}

/** `null`. */
export interface Null {
  readonly _tag: "Null"
}

/** A variable reference: `pkgs`, `lib`, `import`. */
export interface Ident {
  readonly _tag: "Ident"
  readonly name: string
}

/** `[ a b c ]`. */
export interface List {
  readonly _tag: "List"
  readonly items: ReadonlyArray<NixExpr>
}

/** An attribute name: a static name (any text; quoted when needed) or a dynamic `${expr}`. */
export type AttrKey = string | NixExpr

/** A non-empty attribute path, `a.b."c d".${e}`. */
export type AttrPath = readonly [AttrKey, ...Array<AttrKey>]

/** `path = value;`, with line comments written above it. */
export interface Assign {
  readonly _tag: "Assign"
  readonly path: AttrPath
  readonly value: NixExpr
  readonly comments: ReadonlyArray<string>
}

/** `inherit a b;` or `inherit (from) a b;`, with line comments written above it. */
export interface Inherit {
  readonly _tag: "Inherit"
  readonly from: NixExpr | undefined
  readonly names: readonly [string, ...Array<string>]
  readonly comments: ReadonlyArray<string>
}

/** A binding of an attribute set or a `let`. */
export type Binding = Assign | Inherit

/**
 * `{ ... }` or `rec { ... }`. Bindings sharing a path prefix (`a.b = 1; a.c = 2;`) are how
 * nested sets are written; defining one attribute twice (also `a = { }; a.b = 1;`, which Nix
 * merges but which reads as a mistake) is a validation error.
 */
export interface AttrSet {
  readonly _tag: "AttrSet"
  readonly recursive: boolean
  readonly bindings: ReadonlyArray<Binding>
}

/** `let bindings in body` (no dynamic attribute names in a `let`). */
export interface Let {
  readonly _tag: "Let"
  readonly bindings: ReadonlyArray<Binding>
  readonly body: NixExpr
}

/** `with scope; body`. */
export interface With {
  readonly _tag: "With"
  readonly scope: NixExpr
  readonly body: NixExpr
}

/** One formal argument, `name` or `name ? default`. */
export interface Formal {
  readonly name: string
  readonly default: NixExpr | undefined
}

/** `{ a, b ? d, ... }`, optionally bound as a whole: `args@{ ... }`. */
export interface Formals {
  readonly formals: ReadonlyArray<Formal>
  readonly ellipsis: boolean
  readonly bind: string | undefined
}

/** `x: body` or `{ formals }: body`. */
export interface Lambda {
  readonly _tag: "Lambda"
  readonly param: string | Formals
  readonly body: NixExpr
}

/** `fn arg1 arg2`. */
export interface Apply {
  readonly _tag: "Apply"
  readonly fn: NixExpr
  readonly args: readonly [NixExpr, ...Array<NixExpr>]
}

/** `subject.a.b` or `subject.a.b or default`. */
export interface Select {
  readonly _tag: "Select"
  readonly subject: NixExpr
  readonly path: AttrPath
  readonly orDefault: NixExpr | undefined
}

/** `if condition then whenTrue else whenFalse`. */
export interface If {
  readonly _tag: "If"
  readonly condition: NixExpr
  readonly whenTrue: NixExpr
  readonly whenFalse: NixExpr
}

/** The binary operators of Nix. */
export type BinaryOperator = "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" | "->" | "//" | "++" | "+" | "-" | "*" | "/"

/** `left op right`. */
export interface BinaryOp {
  readonly _tag: "BinaryOp"
  readonly op: BinaryOperator
  readonly left: NixExpr
  readonly right: NixExpr
}

/** An expression with `# ...` line comments written above it (a file header, a list item's note). */
export interface Commented {
  readonly _tag: "Commented"
  readonly comments: ReadonlyArray<string>
  readonly expr: NixExpr
}

// ---------------------------------------------------------------------------------------------
// Constructors

const lines = (comments: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  comments === undefined ? [] : typeof comments === "string" ? [comments] : comments

const attrPath = (path: AttrKey | AttrPath): AttrPath => (Array.isArray(path) ? (path as AttrPath) : [path as AttrKey])

/** A string of text, or of text and interpolated expressions: `string(["Hello ", ident("name")])`. */
export const string = (text: string | ReadonlyArray<string | NixExpr>, style: StringStyle = "auto"): Str => ({
  _tag: "String",
  parts: typeof text === "string" ? [text] : text,
  style
})

/** A path literal (`./hardware.nix`, `/etc/nixos`, `~/x`, `<nixpkgs>`); its syntax is checked by {@link print}. */
export const path = (path: string): Path => ({ _tag: "Path", path })

/** An integer. */
export const int = (value: number | bigint): Int => ({ _tag: "Int", value })

/** A float. */
export const float = (value: number): Float => ({ _tag: "Float", value })

/** `true` or `false`. */
export const bool = (value: boolean): Bool => ({ _tag: "Bool", value })

/** `null`. */
export const nullValue: Null = { _tag: "Null" }

/** A variable reference (an identifier, not a keyword). */
export const ident = (name: string): Ident => ({ _tag: "Ident", name })

/** A list. */
export const list = (items: ReadonlyArray<NixExpr>): List => ({ _tag: "List", items })

/** Bindings as given, or one `name = value;` per entry of a record (in its key order). */
export type Bindings = ReadonlyArray<Binding> | { readonly [name: string]: NixExpr }

const bindingList = (bindings: Bindings): ReadonlyArray<Binding> =>
  Array.isArray(bindings) ? (bindings as ReadonlyArray<Binding>) : Object.entries(bindings).map(([name, value]) => bind(name, value))

/** An attribute set. */
export const attrs = (bindings: Bindings): AttrSet => ({ _tag: "AttrSet", recursive: false, bindings: bindingList(bindings) })

/** A recursive attribute set, `rec { ... }`. */
export const recAttrs = (bindings: Bindings): AttrSet => ({ _tag: "AttrSet", recursive: true, bindings: bindingList(bindings) })

/** `path = value;`. A string is ONE name (`bind("a.b", v)` is `"a.b" = v;`); pass an array for `a.b = v;`. */
export const bind = (
  path: AttrKey | AttrPath,
  value: NixExpr,
  options?: { readonly comments?: string | ReadonlyArray<string> }
): Assign => ({ _tag: "Assign", path: attrPath(path), value, comments: lines(options?.comments) })

/** `inherit names;` or, with `from`, `inherit (from) names;`. */
export const inherit = (
  names: readonly [string, ...Array<string>],
  options?: { readonly from?: NixExpr; readonly comments?: string | ReadonlyArray<string> }
): Inherit => ({ _tag: "Inherit", from: options?.from, names, comments: lines(options?.comments) })

/** `let bindings in body`. */
export const letIn = (bindings: Bindings, body: NixExpr): Let => ({ _tag: "Let", bindings: bindingList(bindings), body })

/** `with scope; body`. */
export const withScope = (scope: NixExpr, body: NixExpr): With => ({ _tag: "With", scope, body })

/** The formals of a lambda: names or `{ name, default }`, `...` with `ellipsis`, `bind@{ ... }` with `bind`. */
export interface FormalsInput {
  readonly formals: ReadonlyArray<string | { readonly name: string; readonly default?: NixExpr }>
  readonly ellipsis?: boolean
  readonly bind?: string
}

/** `param: body` (a simple argument name) or `{ formals }: body`. */
export const lambda = (param: string | FormalsInput, body: NixExpr): Lambda => ({
  _tag: "Lambda",
  param:
    typeof param === "string"
      ? param
      : {
          formals: param.formals.map((f) => (typeof f === "string" ? { name: f, default: undefined } : { name: f.name, default: f.default })),
          ellipsis: param.ellipsis ?? false,
          bind: param.bind
        },
  body
})

/** `fn arg1 arg2 ...`. */
export const apply = (fn: NixExpr, ...args: readonly [NixExpr, ...Array<NixExpr>]): Apply => ({ _tag: "Apply", fn, args })

/** `import target` (usually a path). */
export const importExpr = (target: NixExpr): Apply => apply(ident("import"), target)

/** `subject.path`, or `subject.path or orDefault`. A string is ONE name; pass an array for `a.b`. */
export const select = (subject: NixExpr, path: AttrKey | AttrPath, orDefault?: NixExpr): Select => ({
  _tag: "Select",
  subject,
  path: attrPath(path),
  orDefault
})

/** `if condition then whenTrue else whenFalse`. */
export const ifThenElse = (condition: NixExpr, whenTrue: NixExpr, whenFalse: NixExpr): If => ({ _tag: "If", condition, whenTrue, whenFalse })

/** `left op right`, e.g. `binary(defaults, "//", overrides)`. */
export const binary = (left: NixExpr, op: BinaryOperator, right: NixExpr): BinaryOp => ({ _tag: "BinaryOp", op, left, right })

/** `expr` with `# ...` comment lines above it (each line of each comment becomes one `#` line). */
export const commented = (comments: string | ReadonlyArray<string>, expr: NixExpr): Commented => ({
  _tag: "Commented",
  comments: lines(comments),
  expr
})

const INT64_LIMIT = 2 ** 63

const isInt64 = (n: number): boolean => Number.isInteger(n) && n >= -INT64_LIMIT && n < INT64_LIMIT

/**
 * The Nix value of a JSON value: objects become attribute sets (keys in their order, quoted where
 * needed), integral numbers within int64 become integers, other numbers floats. For every JSON
 * value `v` that {@link print} accepts, `builtins.fromJSON v == <printed>` in Nix.
 */
export const fromJson = (value: Json.Json): NixExpr => {
  if (value === null) return nullValue
  if (typeof value === "boolean") return bool(value)
  if (typeof value === "number") return isInt64(value) ? int(BigInt(value)) : float(value)
  if (typeof value === "string") return string(value)
  if (Json.isObject(value)) return attrs(Object.keys(value).map((key) => bind(key, fromJson(value[key]!))))
  return list(value.map(fromJson))
}

const collapseBinding = (b: Binding): Binding => {
  if (b._tag === "Inherit" || b.value._tag !== "AttrSet" || b.value.recursive) return b
  const inner = collapseNested(b.value)
  const only = inner.bindings[0]
  return inner.bindings.length === 1 && only?._tag === "Assign" && only.comments.length === 0
    ? { ...b, path: [...b.path, ...only.path], value: only.value }
    : { ...b, value: inner }
}

/**
 * The same set with nested names written as paths: a binding whose value is a plain
 * (non-`rec`) set of exactly one uncommented binding becomes one binding, recursively, so that
 * `{ services = { nginx = { enable = true; }; }; }` prints as `{ services.nginx.enable = true; }`.
 * Nix reads both as the same value.
 */
export const collapseNested = (set: AttrSet): AttrSet => ({ ...set, bindings: set.bindings.map(collapseBinding) })

// ---------------------------------------------------------------------------------------------
// Checking and printing

/**
 * Succeeds with `expr` when {@link print} can write it so that Nix reads it back as meant; fails
 * with a `ValidationError` whose `field` locates the problem (`expression.services.nginx[2]`).
 */
export const validate = (expr: NixExpr): Effect.Effect<NixExpr, ValidationError> => {
  const problem = check(expr)
  return problem === undefined ? Effect.succeed(expr) : Effect.fail(problem)
}

/** Options of {@link print}. */
export interface PrintOptions {
  /** The column limit for one-line forms (default 100). Long strings and names may exceed it. */
  readonly width?: number
}

/** Nix source for `expr` (without a trailing newline), after {@link validate}. */
export const print = (expr: NixExpr, options?: PrintOptions): Effect.Effect<string, ValidationError> =>
  Effect.map(validate(expr), (valid) => layout(valid, options?.width ?? 100))
