/**
 * Nix source parsed with tree-sitter-nix (the nix-community grammar, as WebAssembly from
 * `@cursorless/tree-sitter-wasms`), copied into plain immutable nodes so that the WASM tree
 * can be freed at once and the editing code stays pure. Offsets are JavaScript string indices.
 */
import { createRequire } from "node:module"
import { Effect } from "effect"
import type { Node, Parser } from "web-tree-sitter"

/** A node of the syntax tree. */
export interface SyntaxNode {
  /** The grammar's node type (`binding`, `attrset_expression`, ...) or the token text of an anonymous node (`{`, `;`). */
  readonly type: string
  /** The field this node fills in its parent (`attrpath`, `expression`, `formals`, ...). */
  readonly field: string | undefined
  readonly named: boolean
  /** A node tree-sitter inserted to recover from an error (it has no text). */
  readonly missing: boolean
  readonly start: number
  readonly end: number
  /** Zero-based line and column (in UTF-16 code units) of `start`. */
  readonly row: number
  readonly column: number
  readonly children: ReadonlyArray<SyntaxNode>
}

let parser: Promise<Parser> | undefined

/**
 * Loads tree-sitter and the grammar on first use (programs that never edit Nix never load them).
 * Through `require` rather than `import()`: bundled programs run this code as a script.
 */
const load = async (): Promise<Parser> => {
  const require = createRequire(import.meta.url)
  const { Language, Parser } = require("web-tree-sitter") as typeof import("web-tree-sitter")
  await Parser.init()
  const wasm = require.resolve("@cursorless/tree-sitter-wasms/out/tree-sitter-nix.wasm")
  const language = await Language.load(wasm)
  return new Parser().setLanguage(language)
}

const copy = (node: Node, field: string | undefined): SyntaxNode => {
  const children: Array<SyntaxNode> = []
  for (let i = 0; i < node.childCount; i++) {
    children.push(copy(node.child(i)!, node.fieldNameForChild(i) ?? undefined))
  }
  return {
    type: node.type,
    field,
    named: node.isNamed,
    missing: node.isMissing,
    start: node.startIndex,
    end: node.endIndex,
    row: node.startPosition.row,
    column: node.startPosition.column,
    children
  }
}

const parseOnce = (p: Parser, text: string): Effect.Effect<SyntaxNode> =>
  Effect.acquireUseRelease(
    Effect.sync(() => p.parse(text)!),
    (tree) => Effect.sync(() => copy(tree.rootNode, undefined)),
    (tree) => Effect.sync(() => tree.delete())
  )

/** Offsets of the commas that end an argument list (`{ a, b, }:`), which this grammar reads as a missing argument. */
const trailingCommas = (node: SyntaxNode): ReadonlyArray<number> =>
  node.type === "formals"
    ? node.children.flatMap((child, i) => {
      const comma = node.children[i - 1]
      return child.type === "formal" && field(child, "name")?.missing === true && comma?.type === "," ? [comma.start] : []
    })
    : node.children.flatMap(trailingCommas)

/**
 * Parses Nix source. Never fails on bad syntax: tree-sitter recovers, leaving `ERROR` and
 * missing nodes in the tree (see `firstError`). This grammar predates Nix's trailing comma in
 * argument lists (`{ self, nixpkgs, }:`, the nixfmt style): such commas are read as blanks
 * (the text is re-parsed with a space in their place, so every offset stays the same). The
 * grammar is loaded once per process; failing to load it is a broken installation, a defect.
 */
export const parse = (text: string): Effect.Effect<SyntaxNode> =>
  Effect.gen(function*() {
    const p = yield* Effect.promise(() => (parser ??= load()))
    const root = yield* parseOnce(p, text)
    const commas = trailingCommas(root)
    if (commas.length === 0) return root
    const masked = commas.reduce((t, at) => `${t.slice(0, at)} ${t.slice(at + 1)}`, text)
    return yield* parseOnce(p, masked)
  })

/** The first `ERROR` or missing node, depth first, if any. */
export const firstError = (node: SyntaxNode): SyntaxNode | undefined => {
  if (node.type === "ERROR" || node.missing) return node
  for (const child of node.children) {
    const found = firstError(child)
    if (found !== undefined) return found
  }
  return undefined
}

/** The child filling `field`, if any. */
export const field = (node: SyntaxNode, name: string): SyntaxNode | undefined =>
  node.children.find((child) => child.field === name)

/** All children filling `field`. */
export const fields = (node: SyntaxNode, name: string): ReadonlyArray<SyntaxNode> =>
  node.children.filter((child) => child.field === name)

/** The anonymous token child with this text (`{`, `}`, ...), if any. */
export const token = (node: SyntaxNode, text: string): SyntaxNode | undefined =>
  node.children.find((child) => !child.named && child.type === text)

/** Strips parentheses: `((e))` is `e`. */
export const unparenthesize = (node: SyntaxNode): SyntaxNode => {
  let current = node
  while (current.type === "parenthesized_expression") {
    const inner = field(current, "expression")
    if (inner === undefined) return current
    current = inner
  }
  return current
}

const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t" }

/**
 * The value of a `"..."` string without interpolation, or undefined when it is anything else
 * (an interpolated or `''...''` string, or not a string at all).
 */
export const stringValue = (text: string, node: SyntaxNode): string | undefined => {
  if (node.type !== "string_expression") return undefined
  let value = ""
  for (const part of node.children) {
    const raw = text.slice(part.start, part.end)
    if (part.type === "string_fragment") value += raw
    else if (part.type === "escape_sequence") value += escapes[raw.slice(1)] ?? raw.slice(1)
    else if (part.named) return undefined
  }
  return value
}

/** The name an `attr` of an attribute path stands for (`a`, `"b c"`), or undefined when it is computed (`${...}`). */
export const attrName = (text: string, attr: SyntaxNode): string | undefined =>
  attr.type === "identifier" ? text.slice(attr.start, attr.end) : stringValue(text, attr)

/** The names of an `attrpath` (`a."b c".d`), or undefined when one is computed. */
export const attrNames = (text: string, attrpath: SyntaxNode): ReadonlyArray<string> | undefined => {
  const names: Array<string> = []
  for (const attr of fields(attrpath, "attr")) {
    const name = attrName(text, attr)
    if (name === undefined) return undefined
    names.push(name)
  }
  return names
}

/** Readable name of a node type for messages: `apply_expression` is "a function application". */
export const describe = (node: SyntaxNode): string => {
  switch (node.type) {
    case "apply_expression":
      return "a function application"
    case "variable_expression":
      return "a variable"
    case "select_expression":
      return "an attribute selection"
    case "let_expression":
      return "a let expression"
    case "with_expression":
      return "a with expression"
    case "if_expression":
      return "an if expression"
    case "binary_expression":
      return "an operator expression"
    case "function_expression":
      return "a function"
    case "string_expression":
    case "indented_string_expression":
      return "a string"
    case "attrset_expression":
    case "rec_attrset_expression":
      return "an attribute set"
    case "list_expression":
      return "a list"
    case "path_expression":
      return "a path"
    default:
      return node.type.replace(/_expression$/, "").replace(/_/g, " ")
  }
}
