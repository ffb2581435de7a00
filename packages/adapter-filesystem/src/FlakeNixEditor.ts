/**
 * Byte-preserving edits of hand-written `flake.nix` files, parsed with tree-sitter-nix: add or
 * remove an input (in the style the file already uses: `inputs.foo.url = "...";`,
 * `inputs = { foo.url = "..."; };` or `foo = { url = "..."; };`, one line or several), keep the
 * `outputs` argument list in step, set `follows`, `flake` and the description, and bind an
 * output to an imported file (`nixosConfigurations.<host> = import ./nixos/<host>.nix inputs;`). Only the bytes an
 * edit needs change; every comment, blank line and space elsewhere stays. A file whose shape
 * cannot be edited safely is refused with a `FlakeError` naming the shape. `plan` is pure; `apply`
 * parses, plans, applies and checks that the result still parses.
 */
import { Workspace } from "@cim-nix/application"
import { AttributePath, type FlakeError, FlakeRef, NixExpr, type ParseError, ValidationError } from "@cim-nix/domain"
import { Effect, Either, ParseResult, Schema } from "effect"
import * as Shape from "./internal/flakeShape.js"
import { attrName, attrNames, describe, field, fields, firstError, parse, stringValue, type SyntaxNode, token, unparenthesize } from "./internal/nixSyntax.js"
import * as Layout from "./internal/textLayout.js"

/** A replacement of `deleted` at `offset` (in the text before the edit) by `inserted`. */
export type Change = Layout.Change

/** The text after one edit, and the changes that made it. */
export interface Edited {
  readonly text: string
  /** Non-overlapping, in the coordinates of the text before the edit; empty when nothing had to change. */
  readonly changes: ReadonlyArray<Change>
}

type Edit = Workspace.FlakeEdit

/** A `"..."` Nix string literal holding `value`, printed (and escaped) by the domain's printer. */
const nixString = (value: string): Effect.Effect<string, ValidationError> => NixExpr.print(NixExpr.string(value, "double"))

const samePath = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.length === b.length && a.every((n, i) => n === b[i])
const isPrefix = (prefix: ReadonlyArray<string>, path: ReadonlyArray<string>) =>
  prefix.length <= path.length && prefix.every((n, i) => path[i] === n)
const last = <A>(items: ReadonlyArray<A>): A | undefined => items[items.length - 1]
const byStart = (a: { node: SyntaxNode }, b: { node: SyntaxNode }) => a.node.start - b.node.start

/** One level of indentation: the top-level bindings' indentation, or two spaces. */
const indentUnit = (shape: Shape.FlakeShape): string => {
  const first = shape.top.bindings[0]
  const indent = first === undefined ? "" : Layout.indentation(shape.text, first.node.start)
  return indent === "" ? "  " : indent
}

/** How a file writes a binding: `=` with the spaces around it, and the padding inside a one-line `{ }`. */
interface Spacing {
  readonly equals: string
  readonly padding: string
}

const defaultSpacing: Spacing = { equals: " = ", padding: " " }

/** The spacing of an existing binding (`a = b;`, `a=b;`, `a = { b = c; }`, `a={b=c;}`). */
const spacingOf = (text: string, binding: Shape.Binding | undefined): Spacing => {
  if (binding === undefined) return defaultSpacing
  const between = text.slice(field(binding.node, "attrpath")!.end, field(binding.node, "expression")!.start)
  const open = token(binding.value, "{")
  const inner = binding.value.children.find((child) => child.type === "binding_set")
  const padding = open !== undefined && inner !== undefined ? text.slice(open.end, inner.start) : " "
  return {
    equals: /^[ \t]*=[ \t]*$/.test(between) ? between : " = ",
    padding: /^[ \t]*$/.test(padding) ? padding : " "
  }
}

/** `attr = value;` with the given spacing. */
const bindingText = (spacing: Spacing, attr: string, value: string) => `${attr}${spacing.equals}${value};`

/** Inserts bindings as the first entries of the attribute set `set`, indented like its existing entries. */
const insertFirst = (shape: Shape.FlakeShape, set: Shape.Container, bindings: ReadonlyArray<string>): Change => {
  const { text } = shape
  const open = token(set.node, "{")!
  const first = set.bindings[0]
  const indent = first !== undefined && Layout.startsLine(text, first.node.start)
    ? Layout.indentation(text, first.node.start)
    : Layout.indentation(text, open.start) + indentUnit(shape)
  return Layout.insertAfter(text, open.end, bindings, indent)
}

/**
 * Inserts bindings right after `after`, on its line or on new lines indented like it. In the
 * leading-semicolon style (`; a = 1\n; b = 2\n;`) each goes on a new line as `; binding` before
 * the `;` that closes `after`.
 */
const insertAfterBinding = (shape: Shape.FlakeShape, after: Shape.Binding, bindings: ReadonlyArray<string>): Change => {
  const { text } = shape
  const semicolon = last(after.node.children)!
  if (Layout.startsLine(text, semicolon.start)) {
    const expression = field(after.node, "expression")!
    const eol = Layout.lineTerminator(text, semicolon.start)
    const indent = Layout.indentation(text, semicolon.start)
    return {
      offset: Layout.restOfLine(text, expression.end) ?? expression.end,
      deleted: "",
      inserted: bindings.map((b) => `${eol}${indent}; ${b.slice(0, -1)}`).join("")
    }
  }
  return Layout.insertAfter(text, after.node.end, bindings, Layout.indentation(text, after.node.start))
}

// ---------------------------------------------------------------------------------------------
// outputs arguments

/** Adds `name` to the argument list of `outputs` when it lists its arguments without `...`. */
const addArgument = (text: string, outputs: SyntaxNode, name: string): ReadonlyArray<Change> => {
  const formals = field(outputs, "formals")
  if (formals === undefined || field(formals, "ellipses") !== undefined) return []
  const list = fields(formals, "formal")
  if (list.some((formal) => formalName(text, formal) === name)) return []
  const lastFormal = last(list)
  if (lastFormal === undefined) return [{ offset: token(formals, "{")!.end, deleted: "", inserted: ` ${name}` }]
  const before = list[list.length - 2]
  const gap = before === undefined ? "" : text.slice(before.end, lastFormal.start)
  const separator = /^\s*,\s*$/.test(gap) ? gap : ", "
  const offset = separator.includes("\n") ? (Layout.restOfLine(text, lastFormal.end) ?? lastFormal.end) : lastFormal.end
  return [{ offset, deleted: "", inserted: separator + name }]
}

const formalName = (text: string, formal: SyntaxNode) => {
  const name = field(formal, "name")!
  return text.slice(name.start, name.end)
}

/** Removes `name` from the argument list of `outputs`, with one separator. */
const removeArgument = (text: string, outputs: SyntaxNode, name: string): ReadonlyArray<Change> => {
  const formals = field(outputs, "formals")
  if (formals === undefined) return []
  const list = fields(formals, "formal")
  const index = list.findIndex((formal) => formalName(text, formal) === name)
  if (index < 0) return []
  const formal = list[index]!
  const before = list[index - 1]
  const after = list[index + 1]
  let from: number
  let to = formal.end
  if (before !== undefined) {
    const lineEnd = Layout.restOfLine(text, before.end)
    from = lineEnd ?? before.end
    if (lineEnd !== undefined) to = Layout.restOfLine(text, formal.end) ?? formal.end
  } else if (after !== undefined) {
    to = after.start
    from = formal.start
  } else {
    from = token(formals, "{")!.end
  }
  return [{ offset: from, deleted: text.slice(from, to), inserted: "" }]
}

/**
 * Where the body of `outputs` uses the input `name`: as the argument `name` (a variable or an
 * `inherit name;`), or as `inputs.name` through the whole-argument name (`inputs:` or
 * `{ ... }@inputs`) without an `or` default. Shadowing is not analysed: a `let name = ...` in the
 * body counts as a use too, which errs on the side of refusing.
 */
const uses = (text: string, outputs: SyntaxNode, name: string): ReadonlyArray<SyntaxNode> => {
  const formals = field(outputs, "formals")
  const isArgument = formals !== undefined && fields(formals, "formal").some((formal) => formalName(text, formal) === name)
  const universal = field(outputs, "universal")
  const whole = universal === undefined ? undefined : text.slice(universal.start, universal.end)
  const is = (node: SyntaxNode | undefined, value: string | undefined) =>
    node !== undefined && value !== undefined && text.slice(node.start, node.end) === value
  const found: Array<SyntaxNode> = []
  const visit = (node: SyntaxNode): void => {
    if (isArgument && node.type === "variable_expression" && is(field(node, "name"), name)) found.push(node)
    else if (isArgument && node.type === "inherit" && fields(field(node, "attrs") ?? node, "attr").some((attr) => is(attr, name))) found.push(node)
    else if (node.type === "select_expression" && field(node, "default") === undefined) {
      const of = field(node, "expression")
      const first = fields(field(node, "attrpath")!, "attr")[0]
      if (of?.type === "variable_expression" && is(field(of, "name"), whole) && first !== undefined && attrName(text, first) === name) found.push(node)
    }
    node.children.forEach(visit)
  }
  const body = field(outputs, "body")
  if (body !== undefined) visit(body)
  return found
}

// ---------------------------------------------------------------------------------------------
// the edits

const addInput = (shape: Shape.FlakeShape, edit: Workspace.AddInput): Effect.Effect<ReadonlyArray<Change>, FlakeError | ValidationError> =>
  Effect.gen(function*() {
    const { text, file } = shape
    const { name } = edit
    if (Shape.inputNames(shape).includes(name)) {
      return yield* Shape.refuse(file, `it already has an input named ${name}`, "remove it first, or change it with SetFollows / SetFlake")
    }
    const outputs = yield* Shape.outputsFunction(shape)
    const attributes: Array<readonly [string, string]> = edit.url !== undefined
      ? [["url", yield* nixString(edit.url)]]
      : [["follows", yield* nixString(edit.follows ?? "")]]
    if (edit.flake === false) attributes.push(["flake", "false"])
    for (const [nested, follows] of Object.entries(edit.overrides ?? {})) attributes.push([`inputs.${nested}.follows`, yield* nixString(follows)])
    const reference = last([...shape.inputBindings].filter((b) => b.path.length >= 2 && b.container.path.length <= 1).sort(byStart))
    const description = shape.top.bindings.find((b) => b.path[0] === "description")
    const spacing = spacingOf(text, reference ?? description)
    const dotted = (prefix: string) => attributes.map(([attr, value]) => bindingText(spacing, `${prefix}${name}.${attr}`, value))

    let change: Change
    if (reference !== undefined) {
      const prefix = reference.container.path.length === 0 ? "inputs." : ""
      if (reference.path.length > 2) {
        change = insertAfterBinding(shape, reference, dotted(prefix))
      } else {
        const entries = attributes.map(([attr, value]) => bindingText(spacing, attr, value))
        const { padding } = spacing
        let binding = bindingText(spacing, `${prefix}${name}`, `{${padding}${entries.join(" ")}${padding}}`)
        if (text.slice(reference.value.start, reference.value.end).includes("\n")) {
          const eol = Layout.lineTerminator(text, reference.node.start)
          const indent = Layout.indentation(text, reference.node.start)
          const inner = shape.inputContainers.find((c) => c.node === reference.value)?.bindings[0]
          const innerIndent = inner !== undefined && Layout.startsLine(text, inner.node.start)
            ? Layout.indentation(text, inner.node.start)
            : indent + indentUnit(shape)
          binding = bindingText(spacing, `${prefix}${name}`, `{${entries.map((e) => eol + innerIndent + e).join("")}${eol}${indent}}`)
        }
        change = insertAfterBinding(shape, reference, [binding])
      }
    } else {
      const inputsSet = shape.inputContainers.find((c) => c.path.length === 1)
      change = inputsSet !== undefined
        ? insertFirst(shape, inputsSet, dotted(""))
        : description !== undefined
        ? insertAfterBinding(shape, description, dotted("inputs."))
        : insertFirst(shape, shape.top, dotted("inputs."))
    }
    return [change, ...addArgument(text, outputs, name)]
  })

const removeInput = (shape: Shape.FlakeShape, name: string): Either.Either<ReadonlyArray<Change>, FlakeError> => {
  const { text, file } = shape
  if (!Shape.inputNames(shape).includes(name)) {
    return Either.left(Shape.refuse(file, `it has no input named ${name}`, `its inputs are: ${Shape.inputNames(shape).join(", ") || "(none)"}`))
  }
  const followers = shape.inputBindings.filter((b) => {
    const target = b.path[b.path.length - 1] === "follows" && b.path[1] !== name ? stringValue(text, b.value) : undefined
    return target !== undefined && (target === name || target.startsWith(`${name}/`))
  })
  if (followers.length > 0) {
    const list = followers.map((b) => `${b.path.join(".")} at line ${b.node.row + 1}`).join(", ")
    return Either.left(Shape.refuse(file, `other inputs follow ${name}: ${list}`, "remove or change those follows first"))
  }
  return Either.flatMap(Shape.outputsFunction(shape), (outputs) => {
    const used = uses(text, outputs, name)
    if (used.length > 0) {
      const list = used.slice(0, 3).map((node) => `\`${Shape.snippet(text, node)}\` at ${Shape.where(node)}`).join(", ")
      return Either.left(Shape.refuse(file, `outputs still uses input ${name}: ${list}${used.length > 3 ? ` and ${used.length - 3} more` : ""}`, `remove those uses of ${name} from outputs first`))
    }
    return Either.right([
      ...Layout.remove(text, Shape.definitions(shape, name).map((b) => b.node)),
      ...removeArgument(text, outputs, name)
    ])
  })
}

/** Sets the attribute `inputs.<input>.<attribute...>` of an existing input to `value` (Nix text). */
const setInputAttribute = (
  shape: Shape.FlakeShape,
  input: string,
  attribute: ReadonlyArray<string>,
  value: string,
  isSame: (node: SyntaxNode) => boolean
): Either.Either<ReadonlyArray<Change>, FlakeError> => {
  const { text, file } = shape
  if (!Shape.inputNames(shape).includes(input)) {
    return Either.left(Shape.refuse(file, `it has no input named ${input}`, `add the input first; its inputs are: ${Shape.inputNames(shape).join(", ") || "(none)"}`))
  }
  const target = ["inputs", input, ...attribute]
  const existing = shape.inputBindings.find((b) => samePath(b.path, target))
  if (existing !== undefined) {
    const old = existing.value
    return Either.right(isSame(old) ? [] : [{ offset: old.start, deleted: text.slice(old.start, old.end), inserted: value }])
  }
  const blocker = shape.inputBindings.find((b) => isPrefix(b.path, target) && !shape.inputContainers.some((c) => c.node === b.value))
  if (blocker !== undefined) {
    return Either.left(Shape.refuse(file, `${target.join(".")} cannot be added: ${blocker.path.join(".")} at line ${blocker.node.row + 1} is not an attribute set`, "edit that binding by hand"))
  }
  const container = last(shape.inputContainers.filter((c) => c.path.length >= 2 && isPrefix(c.path, target)).sort((a, b) => a.path.length - b.path.length || a.node.start - b.node.start))
  if (container !== undefined) {
    const after = last(container.bindings)
    const binding = bindingText(spacingOf(text, after ?? last(Shape.definitions(shape, input))), target.slice(container.path.length).join("."), value)
    return Either.right([after === undefined ? insertFirst(shape, container, [binding]) : insertAfterBinding(shape, after, [binding])])
  }
  const after = last(Shape.definitions(shape, input))!
  return Either.right([insertAfterBinding(shape, after, [bindingText(spacingOf(text, after), target.slice(after.container.path.length).join("."), value)])])
}

const setDescription = (shape: Shape.FlakeShape, description: string): Effect.Effect<ReadonlyArray<Change>, FlakeError | ValidationError> =>
  Effect.gen(function*() {
    const existing = yield* Shape.topBinding(shape, "description")
    const literal = yield* nixString(description)
    if (existing === undefined) return [insertFirst(shape, shape.top, [bindingText(spacingOf(shape.text, shape.top.bindings[0]), "description", literal)])]
    const old = existing.value
    return stringValue(shape.text, old) === description
      ? []
      : [{ offset: old.start, deleted: shape.text.slice(old.start, old.end), inserted: literal }]
  })

// ---------------------------------------------------------------------------------------------
// outputs

/** The attribute set literal `outputs` returns (through `let ... in` and parentheses), or a refusal. */
const outputsSet = (shape: Shape.FlakeShape, outputs: SyntaxNode): Either.Either<SyntaxNode, FlakeError> => {
  let body = unparenthesize(field(outputs, "body")!)
  while (body.type === "let_expression") body = unparenthesize(field(body, "body")!)
  return Shape.isAttrset(body)
    ? Either.right(body)
    : Either.left(Shape.refuse(
      shape.file,
      `outputs returns ${describe(body)}, not an attribute set literal (\`${Shape.snippet(shape.text, body)}\` at ${Shape.where(body)})`,
      "write outputs as `{ self, ... }@inputs: { ... }` (a `let ... in { ... }` is fine), or add the output by hand"
    ))
}

/** The bindings of an attribute set literal as a container (paths relative to it), or a refusal of a computed name. */
const containerOf = (shape: Shape.FlakeShape, node: SyntaxNode, path: ReadonlyArray<string>): Either.Either<Shape.Container, FlakeError> => {
  const bindings: Array<Shape.Binding> = []
  const container: Shape.Container = { node, path, bindings }
  for (const child of node.children.find((c) => c.type === "binding_set")?.children ?? []) {
    if (child.type !== "binding") continue
    const names = attrNames(shape.text, field(child, "attrpath")!)
    if (names === undefined) {
      return Either.left(Shape.refuse(shape.file, `the output name \`${Shape.snippet(shape.text, child)}\` at ${Shape.where(child)} is computed`, "add the output by hand"))
    }
    bindings.push({ node: child, path: [...path, ...names], value: unparenthesize(field(child, "expression")!), container })
  }
  return Either.right(container)
}

/** The name of the whole argument of `outputs`, and the change that adds `@inputs` when it has none. */
const wholeArgument = (shape: Shape.FlakeShape, outputs: SyntaxNode): Either.Either<readonly [string, ReadonlyArray<Change>], FlakeError> => {
  const universal = field(outputs, "universal")
  if (universal !== undefined) return Either.right([shape.text.slice(universal.start, universal.end), []])
  const formals = field(outputs, "formals")!
  if (fields(formals, "formal").some((formal) => formalName(shape.text, formal) === "inputs")) {
    return Either.left(Shape.refuse(shape.file, "outputs takes an argument named inputs but not the whole argument set", "write `{ ... }@args:` in outputs, or add the output by hand"))
  }
  return Either.right(["inputs", [{ offset: formals.end, deleted: "", inserted: "@inputs" }]])
}

/** Binds `path` (relative to `container`) to `value` in it, inside an attribute set literal already bound to a prefix of `path` if there is one. */
const bindOutput = (shape: Shape.FlakeShape, container: Shape.Container, path: ReadonlyArray<string>, value: string): Either.Either<Change, FlakeError> => {
  const full = [...container.path, ...path]
  const taken = container.bindings.find((b) => isPrefix(full, b.path))
  if (taken !== undefined) {
    return Either.left(Shape.refuse(shape.file, `outputs already defines ${taken.path.join(".")} (line ${taken.node.row + 1})`, "choose another name, or remove that output first"))
  }
  const outer = container.bindings.find((b) => isPrefix(b.path, full))
  if (outer !== undefined) {
    if (!Shape.isAttrset(outer.value)) {
      return Either.left(Shape.refuse(shape.file, `${outer.path.join(".")} at line ${outer.node.row + 1} is not an attribute set literal: ${full.join(".")} cannot be added to it`, "add the output by hand"))
    }
    return Either.flatMap(containerOf(shape, outer.value, outer.path), (inner) => bindOutput(shape, inner, full.slice(outer.path.length), value))
  }
  const after = last(container.bindings.filter((b) => b.path.length > container.path.length && b.path[container.path.length] === path[0])) ?? last(container.bindings)
  const binding = bindingText(spacingOf(shape.text, after), AttributePath.print(AttributePath.unsafeMake(path)), value)
  return Either.right(after === undefined ? insertFirst(shape, container, [binding]) : insertAfterBinding(shape, after, [binding]))
}

const addOutputImport = (shape: Shape.FlakeShape, edit: Workspace.AddOutputImport): Either.Either<ReadonlyArray<Change>, FlakeError> =>
  Either.gen(function*() {
    const outputs = yield* Shape.outputsFunction(shape)
    const set = yield* Either.flatMap(outputsSet(shape, outputs), (node) => containerOf(shape, node, []))
    const [argument, argumentChanges] = yield* wholeArgument(shape, outputs)
    const binding = yield* bindOutput(shape, set, edit.attrPath, `import ${edit.file} ${argument}`)
    return [...argumentChanges, binding]
  })

/**
 * The changes one edit makes to `text` (parsed into `root`), or why the file cannot be edited.
 * Pure: no I/O and no services (an Effect only because printing a string literal validates its
 * text). `file` names the file in messages. The edit is assumed valid (see `apply`).
 */
export const plan = (
  text: string,
  root: SyntaxNode,
  edit: Edit,
  file = "flake.nix"
): Effect.Effect<ReadonlyArray<Change>, FlakeError | ValidationError> =>
  Effect.gen(function*() {
    const shape = yield* Shape.read(text, root, file)
    switch (edit._tag) {
      case "AddInput":
        return yield* addInput(shape, edit)
      case "RemoveInput":
        return yield* removeInput(shape, edit.name)
      case "SetFollows":
        return yield* setInputAttribute(shape, edit.input, ["inputs", edit.nested, "follows"], yield* nixString(edit.follows), (node) => stringValue(text, node) === edit.follows)
      case "SetFlake":
        return yield* (edit.flake
          ? setInputAttribute(shape, edit.input, ["flake"], "true", (node) => text.slice(node.start, node.end) !== "false")
          : setInputAttribute(shape, edit.input, ["flake"], "false", (node) => text.slice(node.start, node.end) === "false"))
      case "SetDescription":
        return yield* setDescription(shape, edit.description)
      case "AddOutputImport":
        return yield* addOutputImport(shape, edit)
    }
  })

const validate = (edit: Edit): Effect.Effect<Edit, ValidationError | ParseError> =>
  Schema.decodeUnknown(Workspace.FlakeEdit)(edit).pipe(
    Effect.mapError((error) =>
      new ValidationError({
        field: `FlakeEdit.${edit._tag}`,
        message: ParseResult.TreeFormatter.formatErrorSync(error),
        hint: "input names are Nix identifiers (not keywords, not `self`); follows are input names joined by `/`"
      })
    ),
    Effect.tap((valid) => (valid._tag === "AddInput" && valid.url !== undefined ? FlakeRef.parseEither(valid.url) : Effect.void))
  )

/**
 * Applies one edit to the text of a flake.nix: validates it (names, the input's flake
 * reference), parses the text, plans and applies the changes, and checks that the result still
 * parses. `file` names the file in messages.
 */
export const apply = (text: string, edit: Edit, file = "flake.nix"): Effect.Effect<Edited, FlakeError | ParseError | ValidationError> =>
  Effect.gen(function*() {
    const valid = yield* validate(edit)
    const root = yield* parse(text)
    const changes = yield* plan(text, root, valid, file)
    const after = Layout.apply(text, changes)
    const error = firstError(yield* parse(after))
    if (error !== undefined) {
      return yield* Shape.refuse(file, `the ${edit._tag} edit would produce text that does not parse (at ${Shape.where(error)}); nothing was changed`, "this is a bug in the flake.nix editor: please report it with the file")
    }
    return { text: after, changes }
  })

/** Applies edits in order; the text after the last one. */
export const applyAll = (
  text: string,
  edits: ReadonlyArray<Edit>,
  file = "flake.nix"
): Effect.Effect<string, FlakeError | ParseError | ValidationError> =>
  Effect.reduce(edits, text, (current, edit) => Effect.map(apply(current, edit, file), (edited) => edited.text))
