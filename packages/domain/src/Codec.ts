/**
 * Decoders and encoders compiled from schemas, for work that reads or writes many values that
 * are nearly all valid (replays, read models). They return what Effect's `decodeUnknownEither`
 * and `encodeUnknownEither` (of `Schema`) return, errors included (Effect's own parser has the last word on
 * every value the compiled path does not vouch for), several times faster.
 */
import type { Either, ParseResult } from "effect"
import { Schema } from "effect"
import { fastChecker, fastDecoder, fastEncoder, fieldsDecide } from "./internal/fastDecoder.js"
import type { Options } from "./internal/fastDecoder.js"

export type { Options }

/**
 * Transformation annotations of a `Schema.Class` whose constructor only stores its fields (no
 * constructor of its own): a checker then checks the fields without constructing the class.
 * Pass them as the class's second annotations: `Schema.Class<A>("A")(fields, [undefined, Codec.fieldsDecideClass])`.
 * A subclass (`class B extends A`) inherits them: it must not have a constructor of its own either.
 */
export const fieldsDecideClass = { [fieldsDecide]: true } as const

/** `Schema.decodeUnknownEither(schema, options)`, compiled on first use. */
export const decoder = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options: Options = {}
): (input: unknown) => Either.Either<A, ParseResult.ParseError> =>
  fastDecoder(schema, options, Schema.decodeUnknownEither(schema, options))

/** `Schema.encodeUnknownEither(schema, options)`, compiled on first use. */
export const encoder = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options: Options = {}
): (value: unknown) => Either.Either<I, ParseResult.ParseError> =>
  fastEncoder(schema, options, Schema.encodeUnknownEither(schema, options))

/**
 * `Schema.decodeUnknownEither(schema, options)` as a check: the input itself, typed as the
 * schema's encoded form, when it decodes, else the same `ParseError`. It builds no decoded value
 * where it can avoid it, for work that reads values in their JSON form (projectors on replay).
 */
export const checker = <A, I>(
  schema: Schema.Schema<A, I, never>,
  options: Options = {}
): (input: unknown) => Either.Either<I, ParseResult.ParseError> =>
  fastChecker(schema, options, Schema.decodeUnknownEither(schema, options))
