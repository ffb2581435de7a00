/**
 * Evaluation: `nix eval --json` (expressions, files, installables), `nix-instantiate --eval
 * --strict --json`, and batches of flake attributes evaluated in one process through
 * `builtins.getFlake` on a locked reference, with the lookup written as a `NixExpr` (attribute
 * names only ever become escaped Nix strings).
 */
import type { Nix } from "@cim-nix/application"
import type { AttributePath, CommandError, FlakeError, ParseError } from "@cim-nix/domain"
import { FlakeRef, Json, NixExpr, ValidationError } from "@cim-nix/domain"
import { Effect, Option, Schema } from "effect"
import * as Path from "node:path"
import * as Cli from "./cli.js"
import * as Flake from "./flake.js"
import { decode } from "./json.js"
import { type Arg, operand, type Runner } from "./runner.js"
import * as Syntax from "./syntax.js"

const impureFlag = (options: Nix.EvalOptions): ReadonlyArray<string> => (options.impure === true ? ["--impure"] : [])

const expressionOf = (source: Nix.EvalSource): string | undefined =>
  source._tag === "Expression" ? source.expression : undefined

const sourceArgs = (source: Nix.EvalSource): ReadonlyArray<Arg> => {
  switch (source._tag) {
    case "Expression":
      return ["--expr", source.expression]
    case "File":
      return [
        "--file",
        Path.resolve(source.path),
        ...(source.attrPath === undefined ? [] : ["--", operand("attribute path", Cli.attrPath(source.attrPath))])
      ]
    case "Installable":
      return ["--", operand("installable", Cli.installable(source.installable))]
  }
}

/** `nix eval --json [--impure] (--expr E | --file F [attr] | installable)`; a syntax error is a `ParseError`. */
export const evaluate =
  (runner: Runner) =>
  (source: Nix.EvalSource, options: Nix.EvalOptions = {}): Effect.Effect<Json.Json, CommandError | ParseError> =>
    runner
      .exec({ program: "nix", args: ["eval", "--json", ...impureFlag(options), ...sourceArgs(source)], timeout: options.timeout })
      .pipe(
        Effect.mapError(Syntax.classify(expressionOf(source))),
        Effect.flatMap((done) => decode("nix eval --json", Json.Json)(done.stdout))
      )

/**
 * `nix-instantiate --eval --strict --json (- | [-A attr] F)`, an expression read from stdin (on
 * the command line it would be an operand, and one starting with `-` a flag); installables are
 * refused (no flakes in the classic CLI); a syntax error is a `ParseError`.
 */
export const instantiateEval =
  (runner: Runner) =>
  (source: Nix.EvalSource, options: Nix.CallOptions = {}): Effect.Effect<Json.Json, CommandError | ParseError | ValidationError> => {
    if (source._tag === "Installable") {
      return Effect.fail(
        new ValidationError({
          field: "source",
          message: "nix-instantiate cannot evaluate a flake installable",
          hint: "Use `eval` (the new CLI) for installables."
        })
      )
    }
    const args =
      source._tag === "Expression"
        ? ["-"]
        : [...(source.attrPath === undefined ? [] : ["-A", Cli.attrPath(source.attrPath)]), operand("file", Path.resolve(source.path))]
    return runner
      .exec({
        program: "nix-instantiate",
        args: ["--eval", "--strict", "--json", ...args],
        stdin: expressionOf(source),
        timeout: options.timeout
      })
      .pipe(
        Effect.mapError(Syntax.classify(expressionOf(source))),
        Effect.flatMap((done) => decode("nix-instantiate --eval --json", Json.Json)(done.stdout))
      )
  }

const builtin = (name: string) => NixExpr.select(NixExpr.ident("builtins"), name)

/**
 * `let flake = builtins.getFlake "<url>"; lookup = path: foldl' ...; in map lookup [ [ "a" "b" ] ... ]`:
 * for each path `{ value = ...; }`, or `null` when an attribute on the way is missing.
 */
export const batchExpression = (url: string, paths: ReadonlyArray<AttributePath.AttributePath>): NixExpr.NixExpr => {
  const found = NixExpr.ident("found")
  const name = NixExpr.ident("name")
  const value = NixExpr.select(found, "value")
  const step = NixExpr.lambda(
    "found",
    NixExpr.lambda(
      "name",
      NixExpr.ifThenElse(
        NixExpr.binary(
          NixExpr.binary(NixExpr.binary(found, "!=", NixExpr.nullValue), "&&", NixExpr.apply(builtin("isAttrs"), value)),
          "&&",
          NixExpr.apply(builtin("hasAttr"), name, value)
        ),
        NixExpr.attrs({ value: NixExpr.apply(builtin("getAttr"), name, value) }),
        NixExpr.nullValue
      )
    )
  )
  return NixExpr.letIn(
    {
      flake: NixExpr.apply(builtin("getFlake"), NixExpr.string(url, "double")),
      lookup: NixExpr.lambda(
        "path",
        NixExpr.apply(builtin("foldl'"), step, NixExpr.attrs({ value: NixExpr.ident("flake") }), NixExpr.ident("path"))
      )
    },
    NixExpr.apply(
      NixExpr.ident("map"),
      NixExpr.ident("lookup"),
      NixExpr.list(paths.map((path) => NixExpr.list(path.map((segment) => NixExpr.string(segment, "double")))))
    )
  )
}

const BatchResult = Schema.Array(Schema.NullOr(Schema.Struct({ value: Json.Json })))

/** Several attributes of one flake in one `nix eval`; an unlocked reference is locked first unless impure. */
export const evaluateAttributes =
  (runner: Runner) =>
  (
    flake: FlakeRef.FlakeRef,
    paths: ReadonlyArray<AttributePath.AttributePath>,
    options: Nix.EvalOptions = {}
  ): Effect.Effect<ReadonlyArray<Nix.AttributeValue>, CommandError | ParseError | FlakeError> =>
    Effect.gen(function* () {
      if (paths.length === 0) return []
      const pinned = FlakeRef.isLocked(flake) || options.impure === true
      const url = pinned ? Cli.flakeRef(flake) : (yield* Flake.metadata(runner)(flake, options)).url
      const code = yield* NixExpr.print(batchExpression(url, paths)).pipe(
        Effect.orDieWith((e) => new Error(`the batch expression did not print: ${e.message}`))
      )
      const done = yield* runner
        .exec({ program: "nix", args: ["eval", "--json", ...impureFlag(options), "--expr", code], timeout: options.timeout })
        .pipe(Effect.mapError(Flake.toFlakeError(flake)))
      const results = yield* decode("nix eval --json (batch)", BatchResult)(done.stdout)
      return paths.map((path, i) => ({ path, value: Option.fromNullable(results[i]).pipe(Option.map((r) => r.value)) }))
    })
