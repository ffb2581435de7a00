/**
 * Flake installables: `<flakeref>[#<attrpath>][^<outputs>]`, e.g. `nixpkgs#hello`,
 * `github:NixOS/nixpkgs/nixos-24.05?dir=lib#legacyPackages.x86_64-linux."foo.bar"`,
 * `.#default^out,dev`, `nixpkgs#hello^*`.
 *
 * Read as Nix reads them (`parseFlakeRefWithFragmentAndExtendedOutputsSpec`): the outputs
 * selection starts at the LAST `^`; the attribute path starts at the first `#` of the rest and
 * is percent-decoded. An empty fragment (`nixpkgs#`) is no attribute path (Nix then tries its
 * default attributes). {@link format} percent-encodes `#`, `^`, `%`, spaces and non-ASCII in
 * the attribute path, so every Installable is written in a form Nix splits the same way.
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
  readonly outputs?: OutputsSpec | undefined
}

function installableProblem(i: InstallableFields): string | undefined {
  if (i.flakeRef.type === "path" && i.flakeRef.bare === true && i.flakeRef.path.includes("^")) {
    return `bare path '${i.flakeRef.path}' contains '^', which Nix reads as the start of an outputs selection`
  }
  return undefined
}

/** Validates fields into an Installable (drops undefined fields). */
export const make = (fields: InstallableFields): Either.Either<Installable, ValidationError> => {
  const why = installableProblem(fields)
  if (why !== undefined) return Either.left(new ValidationError({ field: "flakeRef", message: why, hint: "Use a 'path:' reference, where '^' is percent-encoded." }))
  const value: Record<string, unknown> = { flakeRef: fields.flakeRef }
  if (fields.attrPath !== undefined) value.attrPath = fields.attrPath
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
  if (hash >= 0 && hash + 1 < rest.length) {
    const raw = rest.slice(hash + 1)
    const decoded = percentDecode(raw)
    if (decoded === undefined) return fail(hash + 1, "the attribute path has a malformed percent-escape", "Write '%' as '%25' after '#'.")
    const parsed = AttributePath.parseEither(decoded)
    if (Either.isLeft(parsed)) {
      const e = parsed.left
      return Either.left(new ParseError({ kind: "Installable", input: text, position: hash + 1 + (decoded === raw ? e.position : 0), message: `${e.message} (in installable '${text}')`, hint: e.hint }))
    }
    attrPath = parsed.right
  }
  return Either.mapLeft(make({ flakeRef: flakeRef.right, attrPath, outputs }), (e) => new ParseError({ kind: "Installable", input: text, position: 0, message: `${e.message} in installable '${text}'`, hint: e.hint }))
}

/**
 * Reads `<flakeref>[#<attrpath>][^<outputs>]`. Fails with a ParseError (kind "Installable",
 * or the FlakeRef / AttributePath problem with its offset in the whole text).
 */
export const parse = (text: string): Effect.Effect<Installable, ParseError> => parseEither(text)

/** The canonical form: `FlakeRef.format`, `#` and the printed, percent-encoded path, `^outputs`. */
export const format = (installable: Installable): string => {
  let s = FlakeRef.format(installable.flakeRef)
  if (installable.attrPath !== undefined) s += `#${encodeFragment(AttributePath.print(installable.attrPath))}`
  if (installable.outputs !== undefined) s += `^${installable.outputs === "*" ? "*" : installable.outputs.join(",")}`
  return s
}

/** Schema between the written form and an Installable (decode = {@link parse}, encode = {@link format}). */
export const InstallableFromString = Schema.transformOrFail(Schema.String, Schema.typeSchema(Installable), {
  strict: true,
  decode: (s, _, ast) => Either.mapLeft(parseEither(s), (e) => new ParseResult.Type(ast, s, `${e.message}. ${e.hint}`)),
  encode: (i) => ParseResult.succeed(format(i))
}).annotations({ identifier: "InstallableFromString" })
