/**
 * `nix search <flake> <regex> --json`, read from stdout only (Nix 2.8 writes an `evaluating
 * '...'` line per attribute to stderr); the regex is always given (`^` for everything), as
 * Nix 2.20+ requires.
 */
import type { Nix } from "@cim-nix/application"
import type { CommandError, FlakeError, ParseError } from "@cim-nix/domain"
import type { FlakeRef } from "@cim-nix/domain"
import { AttributePath } from "@cim-nix/domain"
import { Effect, Schema } from "effect"
import { flakeOperand, toFlakeError } from "./flake.js"
import { decode } from "./json.js"
import { operand, type Runner } from "./runner.js"

const SearchJson = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({
    pname: Schema.optionalWith(Schema.String, { default: () => "" }),
    version: Schema.optionalWith(Schema.String, { default: () => "" }),
    description: Schema.optionalWith(Schema.String, { default: () => "" })
  })
})

/** Reads the JSON of `nix search --json` (keys are attribute paths as Nix prints them). */
export const parseSearch = (stdout: string): Effect.Effect<ReadonlyArray<Nix.SearchHit>, ParseError> =>
  Effect.gen(function* () {
    const json = yield* decode("nix search --json", SearchJson)(stdout)
    const keys = Object.keys(json).sort()
    return yield* Effect.forEach(keys, (key) =>
      Effect.map(AttributePath.parse(key), (attrPath) => ({ attrPath, ...json[key]! }))
    )
  })

export const search =
  (runner: Runner) =>
  (flake: FlakeRef.FlakeRef, regex?: string, options: Nix.CallOptions = {}): Effect.Effect<ReadonlyArray<Nix.SearchHit>, CommandError | ParseError | FlakeError> =>
    runner
      .exec({
        program: "nix",
        args: ["search", "--json", "--", flakeOperand(flake), operand("search regex", regex === undefined || regex === "" ? "^" : regex)],
        timeout: options.timeout
      })
      .pipe(Effect.mapError(toFlakeError(flake)), Effect.flatMap((done) => parseSearch(done.stdout)))
