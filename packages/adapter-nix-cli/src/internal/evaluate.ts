/**
 * Evaluation: `nix eval --json` (expressions, files) and `nix-instantiate --eval --strict --json`.
 */
import type { Nix } from "@cim-nix/application"
import type { CommandError, ParseError } from "@cim-nix/domain"
import { Effect } from "effect"
import * as Path from "node:path"
import { parseJson } from "./json.js"
import type { Runner } from "./runner.js"

const sourceArgs = (source: Nix.EvalSource): ReadonlyArray<string> =>
  source._tag === "Expression" ? ["--expr", source.expression] : ["--file", Path.resolve(source.path)]

/** `nix eval --json [--impure] (--expr E | --file F)`. */
export const evaluate =
  (runner: Runner) =>
  (source: Nix.EvalSource, options: Nix.EvalOptions = {}): Effect.Effect<Nix.Json, CommandError | ParseError> =>
    runner
      .exec({
        program: "nix",
        args: ["eval", "--json", ...(options.impure === true ? ["--impure"] : []), ...sourceArgs(source)],
        timeout: options.timeout
      })
      .pipe(Effect.flatMap((done) => parseJson("nix eval --json", done.stdout)))

/** `nix-instantiate --eval --strict --json (-E E | -- F)`. */
export const instantiateEval =
  (runner: Runner) =>
  (source: Nix.EvalSource, options: Nix.CallOptions = {}): Effect.Effect<Nix.Json, CommandError | ParseError> =>
    runner
      .exec({
        program: "nix-instantiate",
        args: [
          "--eval",
          "--strict",
          "--json",
          ...(source._tag === "Expression" ? ["-E", source.expression] : ["--", Path.resolve(source.path)])
        ],
        timeout: options.timeout
      })
      .pipe(Effect.flatMap((done) => parseJson("nix-instantiate --eval --json", done.stdout)))
