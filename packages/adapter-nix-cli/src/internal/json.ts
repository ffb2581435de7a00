/**
 * Decoding Nix's `--json` output: JSON text to a value, then through a Schema, with failures as
 * domain `ParseError`s that quote what Nix printed.
 */
import { ParseError } from "@cim-nix/domain"
import { Effect, ParseResult, Schema } from "effect"

const excerpt = (text: string): string => (text.length > 2000 ? `${text.slice(0, 2000)}…` : text)

/** Parses JSON text printed by `what` (e.g. "nix eval --json"). */
export const parseJson = (what: string, text: string): Effect.Effect<unknown, ParseError> =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: (e) =>
      new ParseError({
        kind: "NixJson",
        input: excerpt(text),
        position: 0,
        message: `${what} printed something that is not JSON: ${e instanceof Error ? e.message : String(e)}`,
        hint: "Check that no wrapper or shell profile writes to stdout when Nix runs."
      })
  })

/** Parses JSON text printed by `what` and decodes it with `schema`. */
export const decode = <A, I>(what: string, schema: Schema.Schema<A, I>) => (text: string): Effect.Effect<A, ParseError> =>
  Effect.flatMap(parseJson(what, text), (json) =>
    Schema.decodeUnknown(schema)(json).pipe(
      Effect.mapError(
        (e) =>
          new ParseError({
            kind: "NixJson",
            input: excerpt(text),
            position: 0,
            message: `${what} printed JSON of an unexpected shape: ${ParseResult.TreeFormatter.formatErrorSync(e)}`,
            hint: "This Nix version may print a shape the adapter does not know yet: report it with `nix --version`."
          })
      )
    )
  )
