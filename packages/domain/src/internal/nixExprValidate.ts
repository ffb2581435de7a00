/**
 * What the NixExpr printer refuses to write, because Nix would not read it back as meant: text
 * that a Nix file cannot hold, names and paths that are not Nix syntax, numbers outside Nix's
 * range, duplicate attributes and formals. Each error's `field` locates the node, starting at
 * `expression` (`expression.services.nginx.extraConfig`, `expression[2]`, `expression.body`).
 */
import { ValidationError } from "../Errors.js"
import type { AttrKey, AttrPath, Binding, Formals, NixExpr } from "../NixExpr.js"
import { isIdentifier, rules } from "./names.js"
import { attrName, isPath, normalizeParts, textProblem } from "./nixExprText.js"

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const preview = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)

const textHint =
  "Remove the NUL character or lone surrogate: Nix strings are C strings of UTF-8 text. Keep binary data in a file and refer to it by path."

const checkText = (text: string, at: string, what: string): ValidationError | undefined => {
  const problem = textProblem(text)
  return problem === undefined ? undefined : new ValidationError({ field: at, message: `${what} ${preview(text)} ${problem}`, hint: textHint })
}

const notIdentifier = (name: string, at: string, what: string): ValidationError | undefined =>
  isIdentifier(name)
    ? undefined
    : new ValidationError({
        field: at,
        message: `${what} ${preview(name)} is not a Nix identifier`,
        hint: `Use ${rules.identifier}.`
      })

/** The first problem found by `checks`, run in order. */
const firstOf = (checks: Iterable<() => ValidationError | undefined>): ValidationError | undefined => {
  for (const run of checks) {
    const problem = run()
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * The name a key stands for when Nix's parser knows it: a static name, or a `${...}` holding a
 * string without interpolation (Nix reads `${"a"}` as the static name `a`, so it can clash).
 */
const staticName = (key: AttrKey): string | undefined => {
  if (typeof key === "string") return key
  const e = key._tag === "Commented" ? key.expr : key
  if (e._tag !== "String") return undefined
  const parts = normalizeParts(e.parts)
  return parts.length === 0 ? "" : parts.length === 1 && typeof parts[0] === "string" ? parts[0] : undefined
}

const keyText = (key: AttrKey): string => {
  const name = staticName(key)
  return name === undefined ? "${...}" : attrName(name)
}

const pathText = (path: ReadonlyArray<AttrKey>): string => path.map(keyText).join(".")

const checkKey = (key: AttrKey, at: string): ValidationError | undefined =>
  typeof key === "string" ? checkText(key, at, "attribute name") : check(key, `${at}.\${}`)

/** Attribute names defined so far in one set: a name holds a value, or nested names (`a.b = ...`). */
type Defined = Map<string, Defined | "value">

/** Records the names of `path` that Nix knows statically in `defined`; the name defined twice, if any. */
const define = (defined: Defined, path: AttrPath): string | undefined => {
  let node = defined
  for (let i = 0; i < path.length; i++) {
    const key = staticName(path[i]!)
    if (key === undefined) return undefined
    const existing = node.get(key)
    if (i === path.length - 1) {
      if (existing !== undefined) return pathText(path.slice(0, i + 1))
      node.set(key, "value")
    } else if (existing === "value") {
      return pathText(path.slice(0, i + 1))
    } else if (existing === undefined) {
      const nested: Defined = new Map()
      node.set(key, nested)
      node = nested
    } else {
      node = existing
    }
  }
  return undefined
}

const checkBindings = (bindings: ReadonlyArray<Binding>, at: string, inLet: boolean): ValidationError | undefined => {
  const defined: Defined = new Map()
  return firstOf(
    bindings.map((b) => () => {
      const comments = firstOf(b.comments.map((c) => () => checkText(c, at, "comment")))
      if (comments !== undefined) return comments
      const paths: ReadonlyArray<AttrPath> = b._tag === "Inherit" ? b.names.map((n) => [n] as const) : [b.path]
      const own = firstOf(
        paths.flatMap((path) => [
          ...path.map((key) => () => {
            if (inLet && staticName(key) === undefined) {
              return new ValidationError({
                field: `${at}.${pathText(path)}`,
                message: "a `let` binding cannot have a dynamic (`${...}`) name",
                hint: "Give the `let` binding a static name, or build an attribute set instead."
              })
            }
            return checkKey(key, `${at}.${pathText(path)}`)
          }),
          () => {
            const duplicate = define(defined, path)
            return duplicate === undefined
              ? undefined
              : new ValidationError({
                  field: `${at}.${duplicate}`,
                  message: `attribute '${duplicate}' is defined more than once in the same ${inLet ? "`let`" : "attribute set"}`,
                  hint: "Define each name once: nested bindings may share a prefix (`a.b = 1; a.c = 2;`), but a name that has a value cannot get more bindings."
                })
          }
        ])
      )
      if (own !== undefined) return own
      if (b._tag === "Inherit") return b.from === undefined ? undefined : check(b.from, `${at}.inherit(...)`)
      return check(b.value, `${at}.${pathText(b.path)}`)
    })
  )
}

const checkFormals = (f: Formals, at: string): ValidationError | undefined => {
  const seen = new Set<string>()
  return firstOf([
    ...f.formals.map((formal) => () => {
      const bad = notIdentifier(formal.name, `${at}.${formal.name}`, "formal argument")
      if (bad !== undefined) return bad
      if (seen.has(formal.name)) {
        return new ValidationError({
          field: `${at}.${formal.name}`,
          message: `formal argument '${formal.name}' is listed twice`,
          hint: "List each formal argument once."
        })
      }
      seen.add(formal.name)
      return formal.default === undefined ? undefined : check(formal.default, `${at}.${formal.name}`)
    }),
    () => {
      if (f.bind === undefined) return undefined
      if (seen.has(f.bind)) {
        return new ValidationError({
          field: `${at}.@`,
          message: `the whole-argument name '${f.bind}' is also a formal argument`,
          hint: "Nix rejects `x@{ x }`: name the whole argument set differently from its formals."
        })
      }
      return notIdentifier(f.bind, `${at}.@`, "argument name")
    }
  ])
}

/** The first problem in `e`, located from `at`; undefined when the printer can write it faithfully. */
export const check = (e: NixExpr, at = "expression"): ValidationError | undefined => {
  switch (e._tag) {
    case "String":
      return firstOf(e.parts.map((part, i) => () => (typeof part === "string" ? checkText(part, at, "string") : check(part, `${at}.\${${i}}`))))
    case "Path":
      return isPath(e.path)
        ? undefined
        : new ValidationError({
            field: at,
            message: `${preview(e.path)} is not a Nix path literal`,
            hint: `Write ${rules.pathLiteral}, or \`~/...\`, or \`<name/...>\`. For other file names use a string, or \`./. + "/name"\`.`
          })
    case "Int": {
      if (typeof e.value === "number" && !Number.isInteger(e.value)) {
        return new ValidationError({ field: at, message: `${e.value} is not an integer`, hint: "Use NixExpr.float for numbers that are not integers." })
      }
      const value = BigInt(e.value)
      return value >= INT64_MIN && value <= INT64_MAX
        ? undefined
        : new ValidationError({
            field: at,
            message: `${value} is outside Nix's 64-bit integer range`,
            hint: "Nix integers are signed 64-bit: use a value between -9223372036854775808 and 9223372036854775807, or a float or a string."
          })
    }
    case "Float":
      return Number.isFinite(e.value)
        ? undefined
        : new ValidationError({ field: at, message: `Nix has no float ${e.value}`, hint: "Use a finite number (or null for \"no value\")." })
    case "Ident":
      return notIdentifier(e.name, at, "variable")
    case "Bool":
    case "Null":
      return undefined
    case "List":
      return firstOf(e.items.map((item, i) => () => check(item, `${at}[${i}]`)))
    case "AttrSet":
      return checkBindings(e.bindings, at, false)
    case "Let":
      return checkBindings(e.bindings, `${at}.let`, true) ?? check(e.body, `${at}.in`)
    case "With":
      return check(e.scope, `${at}.with`) ?? check(e.body, `${at}.body`)
    case "Lambda":
      return (
        (typeof e.param === "string" ? notIdentifier(e.param, `${at}.argument`, "argument name") : checkFormals(e.param, `${at}.formals`)) ??
        check(e.body, `${at}.body`)
      )
    case "Apply":
      return check(e.fn, `${at}.function`) ?? firstOf(e.args.map((arg, i) => () => check(arg, `${at}.arguments[${i}]`)))
    case "Select":
      return (
        check(e.subject, `${at}.subject`) ??
        firstOf(e.path.map((key) => () => checkKey(key, `${at}.${pathText(e.path)}`))) ??
        (e.orDefault === undefined ? undefined : check(e.orDefault, `${at}.or`))
      )
    case "If":
      return check(e.condition, `${at}.if`) ?? check(e.whenTrue, `${at}.then`) ?? check(e.whenFalse, `${at}.else`)
    case "BinaryOp":
      return check(e.left, `${at}.left`) ?? check(e.right, `${at}.right`)
    case "Commented":
      return firstOf(e.comments.map((c) => () => checkText(c, at, "comment"))) ?? check(e.expr, at)
  }
}
