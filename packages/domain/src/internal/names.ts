/**
 * Name rules of the Nix language shared by the aggregates: identifiers (what may stand
 * unquoted as an attribute name), dotted names (`services.nginx.enable`, `inputs.foo.nixosModules.bar`)
 * and path literals (`./hardware.nix`, `../common`, `/etc/nixos/x.nix`).
 */
import { ValidationError } from "../Errors.js"

/** Words Nix reserves: they cannot be written as unquoted attribute names. */
export const keywords: ReadonlySet<string> = new Set(["assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"])

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_'-]*$/

/** A Nix identifier that is not a keyword (`nixpkgs`, `home-manager`, `_1password`, `foo'`). */
export const isIdentifier = (name: string): boolean => identifierPattern.test(name) && !keywords.has(name)

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
export const notAReference = (field: string, entry: string, what: string, example: string): ValidationError =>
  new ValidationError({
    field,
    message: `${JSON.stringify(entry)} is neither a path nor a ${what} name`,
    hint: `Refer to a ${what} by ${rules.pathLiteral}, or by name: ${rules.dottedName}, e.g. \`${example}\`.`
  })
