/**
 * The layout of the NixExpr printer: 2-space indentation; a node stays on one line when its
 * one-line form fits in the width (counted from where it starts, plus what must follow it on
 * the line), else it breaks in the node's own way (one binding / list item per line, `let` /
 * `in` on their own lines, the last argument of an application written in place when it is a
 * list, attribute set or '' string). Parentheses are added only where Nix's grammar needs them.
 * The input is validated first (see `NixExpr.validate`): this module only writes.
 */
import type { AttrKey, AttrPath, Binding, BinaryOperator, Formals, NixExpr } from "../NixExpr.js"
import {
  attrName,
  escapeDoubleQuoted,
  floatLiteral,
  indentedLines,
  intLiteral,
  normalizeParts,
  type NumberLiteral,
  type Part,
  prefersIndented
} from "./nixExprText.js"

/**
 * Precedence levels, as in the Nix manual's operator table (a lower level binds tighter).
 * 0: literals, identifiers, lists, sets, parentheses; 1: select; 2: application; 3: negation;
 * 5..14: binary operators; 15: the open-ended forms (lambda, `let`, `with`, `if`), which only a
 * full expression position takes without parentheses.
 */
const EXPR = 15
const SELECT = 1
const APPLY = 2

type Assoc = "left" | "right" | "none"
const operators: { readonly [O in BinaryOperator]: readonly [level: number, assoc: Assoc] } = {
  "++": [5, "right"],
  "*": [6, "left"],
  "/": [6, "left"],
  "+": [7, "left"],
  "-": [7, "left"],
  "//": [9, "right"],
  "<": [10, "none"],
  "<=": [10, "none"],
  ">": [10, "none"],
  ">=": [10, "none"],
  "==": [11, "none"],
  "!=": [11, "none"],
  "&&": [12, "left"],
  "||": [13, "left"],
  "->": [14, "right"]
}

/** The highest level each operand of `op` may have without parentheses. */
const operandLevels = (op: BinaryOperator): readonly [left: number, right: number] => {
  const [level, assoc] = operators[op]
  return [assoc === "left" ? level : level - 1, assoc === "right" ? level : level - 1]
}

/** Marks the subject of a select, which must be a literal-like atom or a select without `or`. */
const SUBJECT = -1

const numberLiteral = (e: NixExpr & { _tag: "Int" | "Float" }): NumberLiteral =>
  e._tag === "Int" ? intLiteral(BigInt(e.value)) : floatLiteral(e.value)

const level = (e: NixExpr): number => {
  switch (e._tag) {
    case "Int":
    case "Float":
      return numberLiteral(e).level
    case "Select":
      return SELECT
    case "Apply":
      return APPLY
    case "BinaryOp":
      return operators[e.op][0]
    case "Lambda":
    case "Let":
    case "With":
    case "If":
      return EXPR
    case "Commented":
      return level(e.expr)
    default:
      return 0
  }
}

const needsParens = (e: NixExpr, max: number): boolean => {
  if (max !== SUBJECT) return level(e) > max
  switch (e._tag) {
    case "String":
    case "Bool":
    case "Null":
    case "Ident":
    case "List":
    case "AttrSet":
      return false
    case "Select":
      return e.orDefault !== undefined
    default:
      return true
  }
}

/** How a string node is written once `auto` is resolved. */
const stringStyle = (e: NixExpr & { _tag: "String" }): "double" | "indented" | "empty" => {
  const parts = normalizeParts(e.parts)
  if (parts.length === 0) return "empty"
  if (e.style === "auto") return prefersIndented(parts) ? "indented" : "double"
  return e.style
}

/** What a string literal is written as: escaped text as is, and expressions to write as `${...}`. */
type Pieces = ReadonlyArray<string | NixExpr>

const doubleQuotedPieces = (parts: ReadonlyArray<Part>): Pieces =>
  parts.map((part, i) => (typeof part === "string" ? escapeDoubleQuoted(part, i + 1 < parts.length) : part))

const commentLines = (comments: ReadonlyArray<string>): ReadonlyArray<string> =>
  comments.flatMap((c) => c.split(/\r\n|\r|\n/)).map((line) => (line === "" ? "#" : `# ${line}`))

const formalsHead = (f: Formals, body: string): string => `${f.bind === undefined ? "" : `${f.bind}@`}${body}`

const spaces = (n: number): string => " ".repeat(n)

/** The column after `text` when it starts at `col`. */
const endCol = (text: string, col: number): number => {
  const nl = text.lastIndexOf("\n")
  return nl < 0 ? col + text.length : text.length - nl - 1
}

/** Prints a validated expression within `width` columns. */
export const layout = (root: NixExpr, width: number): string => {
  const flatCache = new Map<NixExpr, string | undefined>()

  // -------------------------------------------------------------------------------------------
  // One-line forms (undefined: the node cannot be on one line: a comment, a multi-line string)

  const flatAt = (e: NixExpr, max: number): string | undefined => {
    const text = flat(e)
    return text === undefined || !needsParens(e, max) ? text : `(${text})`
  }

  const flatAll = (items: ReadonlyArray<string | undefined>, separator: string): string | undefined =>
    items.includes(undefined) ? undefined : items.join(separator)

  const flatPieces = (pieces: Pieces): string | undefined =>
    flatAll(pieces.map((p) => (typeof p === "string" ? p : wrapInterpolation(flatAt(p, EXPR)))), "")

  const wrapInterpolation = (text: string | undefined): string | undefined => (text === undefined ? undefined : `\${${text}}`)

  const flatKey = (key: AttrKey): string | undefined => (typeof key === "string" ? attrName(key) : wrapInterpolation(flatAt(key, EXPR)))

  const flatPath = (path: AttrPath): string | undefined => flatAll(path.map(flatKey), ".")

  const flatBinding = (b: Binding): string | undefined => {
    if (b.comments.length > 0) return undefined
    if (b._tag === "Inherit") {
      const from = b.from === undefined ? "" : flatAt(b.from, EXPR)
      return from === undefined ? undefined : `inherit${b.from === undefined ? "" : ` (${from})`} ${b.names.map(attrName).join(" ")};`
    }
    return flatAll([flatPath(b.path), flatAt(b.value, EXPR)], " = ")?.concat(";")
  }

  const flatFormals = (f: Formals): string | undefined => {
    const items = f.formals.map((formal) =>
      formal.default === undefined ? formal.name : flatAll([formal.name, flatAt(formal.default, EXPR)], " ? ")
    )
    const all = flatAll([...items, ...(f.ellipsis ? ["..."] : [])], ", ")
    return all === undefined ? undefined : formalsHead(f, all === "" ? "{ }" : `{ ${all} }`)
  }

  const flat = (e: NixExpr): string | undefined => {
    if (flatCache.has(e)) return flatCache.get(e)
    const text = computeFlat(e)
    flatCache.set(e, text)
    return text
  }

  const computeFlat = (e: NixExpr): string | undefined => {
    switch (e._tag) {
      case "String": {
        const style = stringStyle(e)
        if (style === "empty") return `""`
        return style === "indented" ? undefined : flatPieces(["\"", ...doubleQuotedPieces(normalizeParts(e.parts)), "\""])
      }
      case "Path":
        return e.path
      case "Int":
      case "Float":
        return numberLiteral(e).text
      case "Bool":
        return e.value ? "true" : "false"
      case "Null":
        return "null"
      case "Ident":
        return e.name
      case "List": {
        const items = flatAll(e.items.map((item) => flatAt(item, SELECT)), " ")
        return items === undefined ? undefined : items === "" ? "[ ]" : `[ ${items} ]`
      }
      case "AttrSet": {
        const bindings = flatAll(e.bindings.map(flatBinding), " ")
        const open = e.recursive ? "rec {" : "{"
        return bindings === undefined ? undefined : bindings === "" ? `${open} }` : `${open} ${bindings} }`
      }
      case "Let": {
        const bindings = flatAll(e.bindings.map(flatBinding), " ")
        const body = flatAt(e.body, EXPR)
        return bindings === undefined || body === undefined ? undefined : `let ${bindings === "" ? "" : `${bindings} `}in ${body}`
      }
      case "With": {
        const scopeAndBody = flatAll([flatAt(e.scope, EXPR), flatAt(e.body, EXPR)], "; ")
        return scopeAndBody === undefined ? undefined : `with ${scopeAndBody}`
      }
      case "Lambda":
        return flatAll([typeof e.param === "string" ? e.param : flatFormals(e.param), flatAt(e.body, EXPR)], ": ")
      case "Apply": {
        const { fn, args } = spine(e)
        return flatAll([flatAt(fn, APPLY), ...args.map((a) => flatAt(a, SELECT))], " ")
      }
      case "Select": {
        const head = flatAll([flatAt(e.subject, SUBJECT), flatPath(e.path)], ".")
        return e.orDefault === undefined ? head : flatAll([head, flatAt(e.orDefault, SELECT)], " or ")
      }
      case "If": {
        const parts = [flatAt(e.condition, EXPR), flatAt(e.whenTrue, EXPR), flatAt(e.whenFalse, EXPR)]
        return parts.includes(undefined) ? undefined : `if ${parts[0]} then ${parts[1]} else ${parts[2]}`
      }
      case "BinaryOp": {
        const [l, r] = operandLevels(e.op)
        return flatAll([flatAt(e.left, l), flatAt(e.right, r)], ` ${e.op} `)
      }
      case "Commented":
        return undefined
    }
  }

  // -------------------------------------------------------------------------------------------
  // Broken forms. `indent`: the indentation of the line the node starts on; `col`: the column it
  // starts at; `tail`: how many characters must follow it on its last line (`;`, `)`, ...).

  const renderAt = (e: NixExpr, max: number, indent: number, col: number, tail: number): string => {
    if (e._tag === "Commented") {
      const lines = commentLines(e.comments).join(`\n${spaces(indent)}`)
      return `${lines}\n${spaces(indent)}${renderAt(e.expr, max, indent, indent, tail)}`
    }
    return needsParens(e, max) ? `(${render(e, indent, col + 1, tail + 1)})` : render(e, indent, col, tail)
  }

  const render = (e: NixExpr, indent: number, col: number, tail: number): string => {
    const text = flat(e)
    return text !== undefined && col + text.length + tail <= width ? text : broken(e, indent, col, tail)
  }

  const renderPieces = (pieces: Pieces, indent: number, col: number): string =>
    pieces.reduce<string>((out, piece) => {
      if (typeof piece === "string") return out + piece
      const at = endCol(out, col) + 2
      return `${out}\${${renderAt(piece, EXPR, indent, at, 1)}}`
    }, "")

  const renderKey = (key: AttrKey, indent: number, col: number): string =>
    typeof key === "string" ? attrName(key) : `\${${renderAt(key, EXPR, indent, col + 2, 1)}}`

  const renderPath = (path: AttrPath, indent: number, col: number): string =>
    path.reduce<string>((out, key, i) => {
      const prefix = i === 0 ? out : `${out}.`
      return prefix + renderKey(key, indent, endCol(prefix, col))
    }, "")

  /** A binding on its own line(s) at `indent`, comments first. */
  const renderBinding = (b: Binding, indent: number): string => {
    const pad = spaces(indent)
    const comments = commentLines(b.comments).map((line) => `${line}\n${pad}`).join("")
    if (b._tag === "Inherit") {
      const from = b.from === undefined ? "" : ` (${renderAt(b.from, EXPR, indent, indent + 9, 2)})`
      return `${comments}inherit${from} ${b.names.map(attrName).join(" ")};`
    }
    const path = `${renderPath(b.path, indent, indent)} = `
    return `${comments}${path}${renderAt(b.value, EXPR, indent, endCol(path, indent), 1)};`
  }

  const renderBindings = (bindings: ReadonlyArray<Binding>, indent: number): string =>
    bindings.map((b) => `\n${spaces(indent)}${renderBinding(b, indent)}`).join("")

  const renderFormals = (f: Formals, indent: number, col: number): string => {
    const text = flatFormals(f)
    if (text !== undefined && col + text.length + 1 <= width) return text
    const inner = indent + 2
    const items = f.formals.map((formal) => {
      if (formal.default === undefined) return `${formal.name},`
      const head = `${formal.name} ? `
      return `${head}${renderAt(formal.default, EXPR, inner, inner + head.length, 1)},`
    })
    const all = [...items, ...(f.ellipsis ? ["..."] : [])].map((item) => `\n${spaces(inner)}${item}`).join("")
    return formalsHead(f, `{${all}\n${spaces(indent)}}`)
  }

  /** Nodes that open on the line where they start and close on a line of their own. */
  const isBlock = (e: NixExpr): boolean =>
    e._tag === "List" || e._tag === "AttrSet" || (e._tag === "String" && stringStyle(e) === "indented")

  /** A last argument written in place after `f a b `: a block, or a lambda (in parentheses) ending in one. */
  const isTrailing = (e: NixExpr): boolean => isBlock(e) || e._tag === "Lambda"

  const broken = (e: NixExpr, indent: number, col: number, tail: number): string => {
    const inner = indent + 2
    switch (e._tag) {
      case "String": {
        const parts = normalizeParts(e.parts)
        if (stringStyle(e) !== "indented") return renderPieces(["\"", ...doubleQuotedPieces(parts), "\""], indent, col)
        const lines = indentedLines(parts)
        const body = lines
          .map((line, i) => {
            const last = i === lines.length - 1
            if (line.length === 0) return last ? spaces(indent) : ""
            return spaces(inner) + renderPieces(line, inner, inner)
          })
          .join("\n")
        return `''\n${body}''`
      }
      case "List":
        return `[${e.items.map((item) => `\n${spaces(inner)}${renderAt(item, SELECT, inner, inner, 0)}`).join("")}\n${spaces(indent)}]`
      case "AttrSet":
        return `${e.recursive ? "rec {" : "{"}${renderBindings(e.bindings, inner)}\n${spaces(indent)}}`
      case "Let":
        return `let${renderBindings(e.bindings, inner)}\n${spaces(indent)}in\n${spaces(indent)}${renderAt(e.body, EXPR, indent, indent, tail)}`
      case "With": {
        const scope = `with ${renderAt(e.scope, EXPR, indent, col + 5, 1)}; `
        return scope + renderAt(e.body, EXPR, indent, endCol(scope, col), tail)
      }
      case "Lambda": {
        if (typeof e.param === "string") {
          const head = `${e.param}: `
          return head + renderAt(e.body, EXPR, indent, col + head.length, tail)
        }
        const head = `${renderFormals(e.param, indent, col)}:`
        const bodyIndent = col === indent ? indent : inner
        return `${head}\n${spaces(bodyIndent)}${renderAt(e.body, EXPR, bodyIndent, bodyIndent, tail)}`
      }
      case "Apply": {
        const { fn, args } = spine(e)
        const last = args[args.length - 1]!
        if (isTrailing(last)) {
          const prefix = flatAll([flatAt(fn, APPLY), ...args.slice(0, -1).map((a) => flatAt(a, SELECT))], " ")
          if (prefix !== undefined && col + prefix.length + 2 <= width) {
            return `${prefix} ${renderAt(last, SELECT, indent, col + prefix.length + 1, tail)}`
          }
        }
        const head = renderAt(fn, APPLY, indent, col, 0)
        return head + args.map((a, i) => `\n${spaces(inner)}${renderAt(a, SELECT, inner, inner, i === args.length - 1 ? tail : 0)}`).join("")
      }
      case "Select": {
        const subject = renderAt(e.subject, SUBJECT, indent, col, 0)
        const head = `${subject}.${renderPath(e.path, indent, endCol(subject, col) + 1)}`
        if (e.orDefault === undefined) return head
        return `${head} or ${renderAt(e.orDefault, SELECT, indent, endCol(head, col) + 4, tail)}`
      }
      case "If": {
        const condition = `if ${renderAt(e.condition, EXPR, indent, col + 3, 5)} then`
        const whenTrue = `\n${spaces(inner)}${renderAt(e.whenTrue, EXPR, inner, inner, 0)}\n${spaces(indent)}else`
        const whenFalse =
          e.whenFalse._tag === "If"
            ? ` ${renderAt(e.whenFalse, EXPR, indent, indent + 5, tail)}`
            : `\n${spaces(inner)}${renderAt(e.whenFalse, EXPR, inner, inner, tail)}`
        return condition + whenTrue + whenFalse
      }
      case "BinaryOp": {
        const [l, r] = operandLevels(e.op)
        const left = renderAt(e.left, l, indent, col, 0)
        // `} // {`: after a closing bracket, or before an opening one (`old // {`).
        const sameLine = (left.includes("\n") && /[}\]]$/.test(left)) || (!left.includes("\n") && isBlock(e.right) && col + left.length + e.op.length + 3 <= width)
        const joint = sameLine ? ` ${e.op} ` : `\n${spaces(indent)}${e.op} `
        const at = sameLine ? endCol(left, col) + joint.length : indent + e.op.length + 1
        return left + joint + renderAt(e.right, r, indent, at, tail)
      }
      default:
        // Paths, numbers, booleans, null, identifiers have only their one-line form; comments
        // are handled by renderAt.
        return flat(e)!
    }
  }

  return renderAt(root, EXPR, 0, 0, 0)
}

/** An application chain `f a b` as its function and all its arguments. */
const spine = (e: NixExpr & { _tag: "Apply" }): { readonly fn: NixExpr; readonly args: ReadonlyArray<NixExpr> } => {
  const args: Array<NixExpr> = [...e.args]
  let fn = e.fn
  while (fn._tag === "Apply") {
    args.unshift(...fn.args)
    fn = fn.fn
  }
  return { fn, args }
}
