/**
 * Name rules of the Nix language shared by the aggregates, on top of `AttributePath.isIdentifier`
 * (what may stand unquoted as an attribute name): dotted names (`services.nginx.enable`, `inputs.foo.nixosModules.bar`)
 * and path literals (`./hardware.nix`, `../common`, `/etc/nixos/x.nix`).
 */
import { isIdentifier } from "../AttributePath.js"
import { ValidationError } from "../Errors.js"

/** A Nix identifier that is not a keyword (`AttributePath.isIdentifier`). */
export { isIdentifier }

/** One or more identifiers joined by dots. */
export const isDottedName = (name: string): boolean => name.split(".").every(isIdentifier)

const pathLiteralPattern = /^[A-Za-z0-9._+-]*(?:\/[A-Za-z0-9._+-]+)+$/

/**
 * A Nix path literal (`./hardware.nix`, `../common`, `/etc/nixos/x.nix`, `modules/web.nix`): the
 * lexer's `[A-Za-z0-9._+-]*(/[A-Za-z0-9._+-]+)+`, without the trailing slash Nix rejects.
 */
export const isPathLiteral = (path: string): boolean => pathLiteralPattern.test(path)

/** What the rules above ask for, as a sentence for error hints. */
export const rules = {
  identifier: "a Nix identifier: a letter or `_`, then letters, digits, `_`, `'` or `-`, and not a keyword (if, then, else, let, in, with, rec, inherit, assert, or)",
  dottedName: "identifiers joined by dots",
  pathLiteral: "a path literal such as `./hardware.nix`, `../common` or `/etc/nixos/x.nix` (characters `A-Za-z0-9._+-`, at least one slash, no empty segment, no trailing slash)"
} as const

/** A path literal or a dotted name: how modules and overlays are referred to. */
export const isReference = (entry: string): boolean => isPathLiteral(entry) || isDottedName(entry)

/** The error for an entry of `field` that is not a reference to a `what` ("module", "overlay"). */
export const notAReference = (field: string, entry: string, what: "module" | "overlay", example: string): ValidationError => {
  const a = what === "module" ? "a" : "an"
  return new ValidationError({
    field,
    message: `${JSON.stringify(entry)} is neither a path nor ${a} ${what} name`,
    hint: `Refer to ${a} ${what} by ${rules.pathLiteral}, or by name: ${rules.dottedName}, e.g. \`${example}\`.`
  })
}
