/**
 * Writing domain values as Nix command-line arguments: flake references and installables in
 * their canonical form, relative paths made absolute (bare paths stay bare, keeping Nix's Git
 * detection) so that they mean the same inside an expression, and checks on the few plain
 * strings that reach the command line.
 */
import { AttributePath, FlakeRef, Installable, ValidationError } from "@cim-nix/domain"
import { Effect } from "effect"
import * as Path from "node:path"

/** The reference with a relative path made absolute against the current directory. */
export const absolute = (ref: FlakeRef.FlakeRef): FlakeRef.FlakeRef =>
  ref.type === "path" && !Path.isAbsolute(ref.path)
    ? FlakeRef.unsafeMake({ ...ref, path: Path.resolve(ref.path) })
    : ref

/** A flake reference argument. */
export const flakeRef = (ref: FlakeRef.FlakeRef): string => FlakeRef.format(absolute(ref))

/** An installable argument. */
export const installable = (value: Installable.Installable): string =>
  Installable.format({ ...value, flakeRef: absolute(value.flakeRef) } as Installable.Installable)

/** An attribute path argument (`-A`, `nix eval --file F <path>`). */
export const attrPath = (path: AttributePath.AttributePath): string => AttributePath.print(path)

const inputName = /^[a-zA-Z_][a-zA-Z0-9_'-]*$/

/** An input name or a nested input path (`nixpkgs`, `home-manager/nixpkgs`). */
export const input = (name: string): Effect.Effect<string, ValidationError> =>
  name.split("/").every((segment) => inputName.test(segment))
    ? Effect.succeed(name)
    : Effect.fail(
        new ValidationError({
          field: "inputs",
          message: `'${name}' is not a flake input name`,
          hint: "Name an input as in flake.nix (letters, digits, '_', '-' and apostrophes), or a nested one as 'outer/inner'."
        })
      )
