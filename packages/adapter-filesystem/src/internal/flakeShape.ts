/**
 * The shape of a hand-written `flake.nix` as far as editing needs it: the top-level attribute
 * set, every binding and attribute set under `inputs` (whether written `inputs.foo.url = ...;`,
 * `inputs = { foo = { url = ...; }; };` or a mix), `outputs` and `description`. Reading the
 * shape refuses, with a `FlakeError` naming it, any file that cannot be edited safely.
 */
import { FlakeError } from "@cim-nix/domain"
import { Either } from "effect"
import { attrNames, describe, field, fields, firstError, type SyntaxNode, unparenthesize } from "./nixSyntax.js"

/** An attribute set literal and the attribute path it is bound to (`[]` for the top level). */
export interface Container {
  readonly node: SyntaxNode
  readonly path: ReadonlyArray<string>
  readonly bindings: ReadonlyArray<Binding>
}

/** A binding `a.b.c = value;` inside a container. */
export interface Binding {
  readonly node: SyntaxNode
  /** The full attribute path from the top level: the container's path then the binding's own. */
  readonly path: ReadonlyArray<string>
  /** The bound expression, without enclosing parentheses. */
  readonly value: SyntaxNode
  readonly container: Container
}

/** A flake.nix that can be edited. */
export interface FlakeShape {
  readonly text: string
  /** The file, for messages. */
  readonly file: string
  readonly top: Container
  /** Every binding whose path starts with `inputs`, at any depth, in source order. */
  readonly inputBindings: ReadonlyArray<Binding>
  /** Every attribute set literal bound under `inputs` (`inputs`, `inputs.foo`, `inputs.foo.inputs`, ...). */
  readonly inputContainers: ReadonlyArray<Container>
}

/** Whether `node` is an attribute set literal (`{ ... }` or `rec { ... }`). */
export const isAttrset = (node: SyntaxNode) => node.type === "attrset_expression" || node.type === "rec_attrset_expression"

/** `line L, column C` (one-based) of a node. */
export const where = (node: SyntaxNode) => `line ${node.row + 1}, column ${node.column + 1}`

/** The source of a node, shortened to its first line and 60 characters, for messages. */
export const snippet = (text: string, node: SyntaxNode) => {
  const source = text.slice(node.start, node.end)
  const firstLine = source.split(/\r?\n/)[0]!
  return firstLine.length > 60 || firstLine.length < source.length ? `${firstLine.slice(0, 60)} ...` : firstLine
}

/** A refusal to edit `file`, with a hint. */
export const refuse = (file: string, message: string, hint: string) =>
  new FlakeError({ path: file, message: `cannot edit ${file}: ${message}`, hint })

const handEdit = "edit this part of flake.nix by hand, or write it as attribute set literals"

/** Reads the shape of `text` (parsed into `root`), or refuses it. */
export const read = (text: string, root: SyntaxNode, file: string): Either.Either<FlakeShape, FlakeError> => {
  const error = firstError(root)
  if (error !== undefined) {
    const what = error.missing ? `missing ${JSON.stringify(error.type)}` : `syntax error near ${JSON.stringify(snippet(text, error))}`
    return Either.left(refuse(file, `it does not parse: ${what} at ${where(error)}`, "fix the syntax error first (`nix-instantiate --parse flake.nix` shows Nix's own message)"))
  }
  const expression = field(root, "expression")
  if (expression === undefined) return Either.left(refuse(file, "it is empty", "a flake.nix is an attribute set with `inputs` and `outputs`"))
  const topNode = unparenthesize(expression)
  if (!isAttrset(topNode)) {
    return Either.left(refuse(file, `it is ${describe(topNode)}, not an attribute set (\`${snippet(text, topNode)}\`)`, "Nix requires flake.nix to be an attribute set literal: `{ inputs = ...; outputs = ...; }`"))
  }
  const inputBindings: Array<Binding> = []
  const inputContainers: Array<Container> = []
  let problem: FlakeError | undefined

  const visit = (node: SyntaxNode, path: ReadonlyArray<string>): Container => {
    const bindings: Array<Binding> = []
    const container: Container = { node, path, bindings }
    const set = node.children.find((child) => child.type === "binding_set")
    for (const child of set?.children ?? []) {
      if (problem !== undefined) break
      if (child.type === "inherit" || child.type === "inherit_from") {
        const inherited = fields(field(child, "attrs") ?? child, "attr").map((attr) => text.slice(attr.start, attr.end))
        if (path.length > 0 || inherited.includes("inputs")) {
          problem = refuse(file, `\`${snippet(text, child)}\` at ${where(child)} takes ${path.length > 0 ? "inputs" : "`inputs`"} from elsewhere`, handEdit)
        }
        continue
      }
      if (child.type !== "binding") continue
      const attrpath = field(child, "attrpath")!
      const names = attrNames(text, attrpath)
      if (names === undefined) {
        problem = refuse(file, `the attribute name \`${snippet(text, attrpath)}\` at ${where(attrpath)} is computed, so it may define inputs`, handEdit)
        continue
      }
      const full = [...path, ...names]
      const value = unparenthesize(field(child, "expression")!)
      const binding: Binding = { node: child, path: full, value, container }
      bindings.push(binding)
      if (full[0] !== "inputs") continue
      inputBindings.push(binding)
      if (isAttrset(value)) inputContainers.push(visit(value, full))
    }
    return container
  }

  const top = visit(topNode, [])
  if (problem !== undefined) return Either.left(problem)
  const shape: FlakeShape = { text, file, top, inputBindings, inputContainers }
  const invalid = inputBindings.map((binding) => check(shape, binding)).find((p) => p !== undefined)
  return invalid === undefined ? Either.right(shape) : Either.left(invalid)
}

const startsWith = (path: ReadonlyArray<string>, prefix: ReadonlyArray<string>) =>
  prefix.length <= path.length && prefix.every((name, i) => path[i] === name)

/** The rules a binding under `inputs` must follow to be edited safely. */
const check = (shape: FlakeShape, binding: Binding): FlakeError | undefined => {
  const { text, file } = shape
  const { path, value } = binding
  const line = (b: Binding) => b.node.row + 1
  if (path.length === 1 && !isAttrset(value)) {
    return refuse(file, `inputs is computed: it is ${describe(value)} (\`${snippet(text, value)}\`) at ${where(value)}`, "Nix reads `inputs` without evaluating it: write it as an attribute set literal, `inputs = { foo.url = \"...\"; };`")
  }
  if (path.length === 2) {
    if (value.type === "string_expression" || value.type === "indented_string_expression") {
      return refuse(file, `input ${path[1]} is a string (\`${snippet(text, value)}\`) at ${where(value)}; Nix expects an attribute set there`, `write \`inputs.${path[1]}.url = ${snippet(text, value)};\``)
    }
    if (!isAttrset(value)) {
      return refuse(file, `input ${path[1]} is computed: it is ${describe(value)} (\`${snippet(text, value)}\`) at ${where(value)}`, handEdit)
    }
    const twin = shape.inputBindings.find((other) => other !== binding && other.path.length === 2 && other.path[1] === path[1])
    if (twin !== undefined) {
      return refuse(file, `input ${path[1]} is defined twice (lines ${Math.min(line(binding), line(twin))} and ${Math.max(line(binding), line(twin))})`, "merge the two definitions into one")
    }
  }
  if (!isAttrset(value)) {
    const clash = shape.inputBindings.find((other) => other !== binding && startsWith(other.path, path))
    if (clash !== undefined) {
      return refuse(file, `${path.join(".")} is defined twice (lines ${Math.min(line(binding), line(clash))} and ${Math.max(line(binding), line(clash))})`, "Nix rejects this too: keep one definition")
    }
  }
  return undefined
}

/** The names of the inputs, in order of first appearance. */
export const inputNames = (shape: FlakeShape): ReadonlyArray<string> => [
  ...new Set(shape.inputBindings.flatMap((b) => (b.path.length >= 2 ? [b.path[1]!] : [])))
]

/** The bindings that define input `name` directly (`inputs.name... = ...` at the top or `name... = ...` in `inputs = { }`), in source order. */
export const definitions = (shape: FlakeShape, name: string): ReadonlyArray<Binding> =>
  shape.inputBindings.filter((b) => b.path[1] === name && b.container.path.length <= 1)

/** The top-level binding of `name` (`description`, `outputs`), refusing a dotted or repeated one. */
export const topBinding = (shape: FlakeShape, name: string): Either.Either<Binding | undefined, FlakeError> => {
  const found = shape.top.bindings.filter((b) => b.path[0] === name)
  if (found.length === 0) return Either.right(undefined)
  if (found.length > 1 || found[0]!.path.length > 1) {
    return Either.left(refuse(shape.file, `${name} is not a single binding (\`${snippet(shape.text, found[0]!.node)}\` at ${where(found[0]!.node)})`, `write it as one \`${name} = ...;\``))
  }
  return Either.right(found[0])
}

/** The `outputs` function, or a refusal when there is none or it is something else. */
export const outputsFunction = (shape: FlakeShape): Either.Either<SyntaxNode, FlakeError> =>
  Either.flatMap(topBinding(shape, "outputs"), (outputs) => {
    if (outputs === undefined) return Either.left(refuse(shape.file, "it has no outputs", "a flake needs `outputs = { self, ... }: { ... };`"))
    if (outputs.value.type !== "function_expression") {
      return Either.left(refuse(shape.file, `outputs is ${describe(outputs.value)}, not a function (\`${snippet(shape.text, outputs.value)}\` at ${where(outputs.value)})`, "write `outputs = { self, ... }@inputs: ...;` in flake.nix so that its arguments can be kept in step with the inputs"))
    }
    return Either.right(outputs.value)
  })
