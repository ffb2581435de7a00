/**
 * `cim-nix ref parse <flakeref>`: the flake reference parsed by the domain (no nix process) and
 * its canonical URL. With `--json`: `{ input, ref, url, locked }`.
 */
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import { FlakeRef } from "@cim-nix/domain"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"

const parse = Command.make(
  "parse",
  { ...GlobalOptions.all, ref: Args.text({ name: "flakeref" }).pipe(Args.withDescription("A flake reference, e.g. github:NixOS/nixpkgs/nixos-24.05.")) },
  (input) =>
    Effect.gen(function* () {
      const ref = yield* FlakeRef.parse(input.ref)
      const result = { input: input.ref, ref, url: FlakeRef.format(ref), locked: FlakeRef.isLocked(ref) }
      yield* Output.print(input.json, result, (r) => [
        `${Output.bold("canonical")} ${r.url}`,
        ...Object.entries(r.ref).map(([key, value]) => `${Output.bold(key.padEnd(9))} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`),
        `${Output.bold("locked")}    ${r.locked}`
      ])
    })
).pipe(Command.withDescription("Parse a flake reference and print its fields and canonical URL (no nix process)."))

/** The `ref` command group. */
export const command = Command.make("ref").pipe(Command.withDescription("Flake references."), Command.withSubcommands([parse]))
