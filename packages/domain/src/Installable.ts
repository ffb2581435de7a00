/**
 * Flake installables: `<flakeref>[#<attrpath>][^<outputs>]`, e.g. `nixpkgs#hello`,
 * `github:NixOS/nixpkgs/nixos-24.05?dir=lib#legacyPackages.x86_64-linux."foo.bar"`,
 * `.#default^out,dev`, `nixpkgs#hello^*`.
 *
 * Read as Nix reads them (`parseFlakeRefWithFragmentAndExtendedOutputsSpec`): the outputs
 * selection starts at the LAST `^`; the attribute path starts at the first `#` of the rest, is
 * percent-decoded and then read in the command-line syntax of attribute paths
 * (`AttributePath.parseSelectionPath`: quotes group, no escapes). An empty fragment
 * (`nixpkgs#`) is no attribute path (Nix then tries its default attributes). A fragment
 * starting with `.` (`.#.foo`) asks current Nix for exactly that path, without trying the
 * `packages.<system>.` / `legacyPackages.<system>.` prefixes: `exact: true` (Nix 2.8 reads it as
 * a leading empty attribute name instead). {@link format} percent-encodes `#`, `^`, `%`, spaces,
 * braces and non-ASCII in the attribute path, so every Installable is written in a form Nix
 * splits the same way; an attribute name holding `"` cannot be written (make refuses it).
 *
 * The `^outputs` suffix exists since Nix 2.9 (`Capabilities.installableOutputs`); it is
 * modelled, and printed only when present.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import * as AttributePath from "./AttributePath.js"
import { ParseError, ValidationError } from "./Errors.js"
import * as FlakeRef from "./FlakeRef.js"
import { encodeFragment, percentDecode } from "./internal/flakeRefText.js"

/** An output name: the characters of a store path name, not starting with `.`. */
export const OutputName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]*$/),
  Schema.maxLength(211),
  Schema.brand("OutputName")
)
export type OutputName = typeof OutputName.Type

/** `^*` (every output) or `^out,dev` (these outputs, in the order given, no repeats). */
export const OutputsSpec = Schema.Union(
  Schema.Literal("*"),
  Schema.NonEmptyArray(OutputName).pipe(Schema.filter((names) => new Set(names).size === names.length || "an output is named twice"))
)
export type OutputsSpec = typeof OutputsSpec.Type

/** A flake reference, an optional attribute path and an optional outputs selection. */
export const Installable = Schema.Struct({
  flakeRef: Schema.typeSchema(FlakeRef.FlakeRef),
  attrPath: Schema.optional(Schema.typeSchema(AttributePath.AttributePath)),
  /** `#.<path>`: this path only, no `packages.<system>.` prefixes (current Nix). Needs `attrPath`. */
  exact: Schema.optional(Schema.Literal(true)),
  outputs: Schema.optional(OutputsSpec)
}).pipe(
  Schema.filter((i) => installableProblem(i) ?? true),
  Schema.brand("Installable"),
  Schema.annotations({ identifier: "Installable", description: "A flake installable: <flakeref>#<attrpath>^<outputs>" })
)
export type Installable = typeof Installable.Type

/** The fields of an installable before validation. */
export interface InstallableFields {
  readonly flakeRef: FlakeRef.FlakeRef
  readonly attrPath?: AttributePath.AttributePath | undefined
  readonly exact?: boolean | undefined
  readonly outputs?: OutputsSpec | undefined
}

interface Problem {
  readonly field: string
  readonly message: string
  readonly hint: string
}

function problemOf(i: InstallableFields): Problem | undefined {
  if (i.flakeRef.type === "path" && i.flakeRef.bare === true && i.flakeRef.path.includes("^")) {
    return {
      field: "flakeRef",
      message: `bare path '${i.flakeRef.path}' contains '^', which Nix reads as the start of an outputs selection`,
      hint: "Use a 'path:' reference, where '^' is percent-encoded."
    }
  }
  if (i.attrPath !== undefined) {
    const printed = AttributePath.printSelectionPath(i.attrPath)
    if (Either.isLeft(printed)) return printed.left
  }
  if (i.exact === true && i.attrPath === undefined) {
    return { field: "exact", message: "'exact' needs an attribute path", hint: "Give the attribute path, or drop 'exact'." }
  }
  return undefined
}

function installableProblem(i: InstallableFields): string | undefined {
  const p = problemOf(i)
  return p === undefined ? undefined : `${p.field}: ${p.message}`
}

/** Validates fields into an Installable (drops undefined fields and `exact: false`). */
export const make = (fields: InstallableFields): Either.Either<Installable, ValidationError> => {
  const p = problemOf(fields)
  if (p !== undefined) return Either.left(new ValidationError({ field: p.field, message: p.message, hint: p.hint }))
  const value: Record<string, unknown> = { flakeRef: fields.flakeRef }
  if (fields.attrPath !== undefined) value.attrPath = fields.attrPath
  if (fields.exact === true) value.exact = true
  if (fields.outputs !== undefined) {
    const outputs = Schema.decodeUnknownEither(OutputsSpec)(fields.outputs)
    if (Either.isLeft(outputs)) return Either.left(new ValidationError({ field: "outputs", message: `invalid outputs selection ${JSON.stringify(fields.outputs)}`, hint: "Give '*' or distinct output names such as 'out', 'dev'." }))
    value.outputs = outputs.right
  }
  return Either.right(value as unknown as Installable)
}

const OUTPUT_NAME = /^[A-Za-z0-9+\-_?=][A-Za-z0-9+\-._?=]*$/

/** Reads an installable; `Either` flavour of {@link parse}. */
export const parseEither = (text: string): Either.Either<Installable, ParseError> => {
  const fail = (position: number, message: string, hint: string) =>
    Either.left(new ParseError({ kind: "Installable", input: text, position, message: `${message} in installable '${text}'`, hint }))
  let rest = text
  let outputs: OutputsSpec | undefined
  const caret = text.lastIndexOf("^")
  if (caret >= 0) {
    rest = text.slice(0, caret)
    const spec = text.slice(caret + 1)
    if (spec === "*") outputs = "*"
    else {
      const names = spec.split(",")
      let position = caret + 1
      for (const name of names) {
        if (!OUTPUT_NAME.test(name) || name.length > 211) {
          return fail(position, name === "" ? "an output name is empty" : `'${name}' is not a valid output name`, "After '^' give '*' or output names separated by ',', e.g. '^out,dev'.")
        }
        position += name.length + 1
      }
      if (new Set(names).size !== names.length) return fail(caret + 1, "an output is named twice", "Name each output once.")
      outputs = names as unknown as OutputsSpec
    }
  }
  const hash = rest.indexOf("#")
  const refText = hash < 0 ? rest : rest.slice(0, hash)
  const flakeRef = FlakeRef.parseEither(refText)
  if (Either.isLeft(flakeRef)) {
    const e = flakeRef.left
    return Either.left(new ParseError({ kind: "Installable", input: text, position: e.position, message: `${e.message} (in installable '${text}')`, hint: e.hint }))
  }
  let attrPath: AttributePath.AttributePath | undefined
  let exact = false
  if (hash >= 0 && hash + 1 < rest.length) {
    const raw = rest.slice(hash + 1)
    let decoded = percentDecode(raw)
    if (decoded === undefined) return fail(hash + 1, "the attribute path has a malformed percent-escape", "Write '%' as '%25' after '#'.")
    if (decoded.startsWith(".")) {
      exact = true
      decoded = decoded.slice(1)
    }
    const parsed = AttributePath.parseSelectionEither(decoded)
    if (Either.isLeft(parsed)) {
      const e = parsed.left
      const position = hash + 1 + (exact ? 1 : 0) + (decoded === raw.slice(exact ? 1 : 0) ? e.position : 0)
      return Either.left(new ParseError({ kind: "Installable", input: text, position, message: `${e.message} (in installable '${text}')`, hint: e.hint }))
    }
    attrPath = parsed.right
  }
  return Either.mapLeft(make({ flakeRef: flakeRef.right, attrPath, exact, outputs }), (e) => new ParseError({ kind: "Installable", input: text, position: 0, message: `${e.message} in installable '${text}'`, hint: e.hint }))
}

/**
 * Reads `<flakeref>[#<attrpath>][^<outputs>]`. Fails with a ParseError (kind "Installable",
 * or the FlakeRef / AttributePath problem with its offset in the whole text).
 */
export const parse = (text: string): Effect.Effect<Installable, ParseError> => parseEither(text)

/** The canonical form: `FlakeRef.format`, `#` and the command-line attribute path (percent-encoded), `^outputs`. */
export const format = (installable: Installable): string => {
  let s = FlakeRef.format(installable.flakeRef)
  if (installable.attrPath !== undefined) {
    const path = Either.getOrElse(AttributePath.printSelectionPath(installable.attrPath), () => "") // valid by construction
    s += `#${installable.exact === true ? "." : ""}${encodeFragment(path)}`
  }
  if (installable.outputs !== undefined) s += `^${installable.outputs === "*" ? "*" : installable.outputs.join(",")}`
  return s
}

/** Schema between the written form and an Installable (decode = {@link parse}, encode = {@link format}). */
export const InstallableFromString = Schema.transformOrFail(Schema.String, Schema.typeSchema(Installable), {
  strict: true,
  decode: (s, _, ast) => Either.mapLeft(parseEither(s), (e) => new ParseResult.Type(ast, s, `${e.message}. ${e.hint}`)),
  encode: (i) => ParseResult.succeed(format(i))
}).annotations({ identifier: "InstallableFromString" })
