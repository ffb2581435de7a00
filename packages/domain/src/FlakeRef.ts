/**
 * Flake references (Nix manual, `nix3-flake`, "Flake references"): the URL-like form
 * (`github:NixOS/nixpkgs/nixos-24.05?dir=lib`) and the attribute-set form used in `flake.nix`
 * inputs and in `flake.lock` nodes (`{ type = "github"; owner = "NixOS"; repo = "nixpkgs"; }`).
 *
 * WORK IN PROGRESS: the type names and the signatures of `parse`, `format`, `fromAttrs`,
 * `toAttrs`, `make` and `FlakeRefFromString` are final; the grammar is being completed.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ParseError, ValidationError } from "./Errors.js"

/** The input types (`type` attribute) this module models. `indirect` is the registry form. */
export const FlakeRefType = Schema.Literal(
  "indirect",
  "path",
  "git",
  "mercurial",
  "tarball",
  "file",
  "github",
  "gitlab",
  "sourcehut"
)
export type FlakeRefType = typeof FlakeRefType.Type

/** A parameter or attribute value in the attribute-set form. */
export type AttrValue = string | number | boolean
/** The attribute-set form (`inputs.x = { type = "github"; ... }`, `flake.lock` `locked` / `original`). */
export type Attrs = Readonly<Record<string, AttrValue>>

/** Fields every flake reference may carry. */
const common = {
  /** Sub-directory of the source tree that holds `flake.nix` (`?dir=`). */
  dir: Schema.optional(Schema.String),
  /** `sha256-...` SRI hash of the NAR of the source tree (locked refs). */
  narHash: Schema.optional(Schema.String),
  /** Seconds since the epoch of the last commit / modification (locked refs). */
  lastModified: Schema.optional(Schema.NonNegativeInt),
  /** Number of commits up to `rev` (git, mercurial; locked refs). */
  revCount: Schema.optional(Schema.NonNegativeInt),
  /** Any other parameter, kept verbatim (newer Nix releases add some). Absent when empty. */
  params: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}

/** `nixpkgs`, `nixpkgs/nixos-24.05`, `flake:nixpkgs/<ref>/<rev>`: looked up in the flake registry. */
export const IndirectRef = Schema.Struct({
  type: Schema.Literal("indirect"),
  id: Schema.String,
  ref: Schema.optional(Schema.String),
  rev: Schema.optional(Schema.String),
  ...common
})
export type IndirectRef = typeof IndirectRef.Type

/** `path:/abs`, `path:./rel`, `.`, `./sub`, `/abs`: a directory on the local file system. */
export const PathRef = Schema.Struct({
  type: Schema.Literal("path"),
  path: Schema.String,
  rev: Schema.optional(Schema.String),
  ...common
})
export type PathRef = typeof PathRef.Type

/** `git+https://...`, `git+ssh://...`, `git+file:///...`: `url` is the URL without the `git+` prefix. */
export const GitRef = Schema.Struct({
  type: Schema.Literal("git"),
  url: Schema.String,
  ref: Schema.optional(Schema.String),
  rev: Schema.optional(Schema.String),
  submodules: Schema.optional(Schema.Boolean),
  shallow: Schema.optional(Schema.Boolean),
  allRefs: Schema.optional(Schema.Boolean),
  ...common
})
export type GitRef = typeof GitRef.Type

/** `hg+https://...`, `hg+file:///...`: `url` is the URL without the `hg+` prefix. */
export const MercurialRef = Schema.Struct({
  type: Schema.Literal("mercurial"),
  url: Schema.String,
  ref: Schema.optional(Schema.String),
  rev: Schema.optional(Schema.String),
  ...common
})
export type MercurialRef = typeof MercurialRef.Type

/** `tarball+https://...` or `https://.../x.tar.gz`: an archive unpacked as the source tree. */
export const TarballRef = Schema.Struct({
  type: Schema.Literal("tarball"),
  url: Schema.String,
  ...common
})
export type TarballRef = typeof TarballRef.Type

/** `file+https://...` or `https://.../x.nix`: a single file. */
export const FileRef = Schema.Struct({
  type: Schema.Literal("file"),
  url: Schema.String,
  ...common
})
export type FileRef = typeof FileRef.Type

const forge = <T extends "github" | "gitlab" | "sourcehut">(type: T) =>
  Schema.Struct({
    type: Schema.Literal(type),
    owner: Schema.String,
    repo: Schema.String,
    ref: Schema.optional(Schema.String),
    rev: Schema.optional(Schema.String),
    /** `?host=`: a self-hosted instance (default github.com, gitlab.com, git.sr.ht). */
    host: Schema.optional(Schema.String),
    ...common
  })

/** `github:owner/repo[/ref-or-rev]`. */
export const GitHubRef = forge("github")
export type GitHubRef = typeof GitHubRef.Type
/** `gitlab:owner/repo[/ref-or-rev]`. */
export const GitLabRef = forge("gitlab")
export type GitLabRef = typeof GitLabRef.Type
/** `sourcehut:~owner/repo[/ref-or-rev]`. */
export const SourceHutRef = forge("sourcehut")
export type SourceHutRef = typeof SourceHutRef.Type

/** The fields of a flake reference before validation (what `make` accepts). */
export type FlakeRefFields =
  | IndirectRef
  | PathRef
  | GitRef
  | MercurialRef
  | TarballRef
  | FileRef
  | GitHubRef
  | GitLabRef
  | SourceHutRef

/** Returns the problem with a flake reference's fields, or undefined when they are valid. */
const problem = (_ref: FlakeRefFields): string | undefined => undefined

/** A validated flake reference. Narrow on `type`. */
export const FlakeRef = Schema.Union(
  IndirectRef,
  PathRef,
  GitRef,
  MercurialRef,
  TarballRef,
  FileRef,
  GitHubRef,
  GitLabRef,
  SourceHutRef
).pipe(
  Schema.filter((ref) => problem(ref) ?? true),
  Schema.brand("FlakeRef")
)
export type FlakeRef = typeof FlakeRef.Type

const parseError = (input: string, position: number, message: string, hint: string) =>
  new ParseError({ kind: "FlakeRef", input, position, message, hint })

/** Parses the URL-like form of a flake reference. */
export const parse = (text: string): Effect.Effect<FlakeRef, ParseError> =>
  Effect.fail(parseError(text, 0, `not supported yet: ${JSON.stringify(text)}`, "work in progress"))

/** Formats a flake reference as its canonical URL (parameters sorted by name). */
export const format = (ref: FlakeRef): string => JSON.stringify(ref)

/** Validates fields into a FlakeRef. */
export const make = (fields: FlakeRefFields): Either.Either<FlakeRef, ValidationError> => {
  const p = problem(fields)
  return p === undefined
    ? Either.right(fields as FlakeRef)
    : Either.left(new ValidationError({ field: "flakeRef", message: p, hint: "" }))
}

/** Reads the attribute-set form (`flake.nix` inputs, `flake.lock` `locked` / `original`). */
export const fromAttrs = (attrs: Attrs): Effect.Effect<FlakeRef, ValidationError> =>
  Effect.fail(new ValidationError({ field: "type", message: `not supported yet: ${JSON.stringify(attrs)}`, hint: "" }))

/** The attribute-set form of a flake reference, as `flake.lock` writes it. */
export const toAttrs = (ref: FlakeRef): Attrs => ({ ...ref }) as unknown as Attrs

/** Schema between the URL string and a FlakeRef. */
export const FlakeRefFromString = Schema.transformOrFail(Schema.String, Schema.typeSchema(FlakeRef), {
  strict: true,
  decode: (s, _, ast) =>
    parse(s).pipe(Effect.mapError((e) => new ParseResult.Type(ast, s, e.message))),
  encode: (ref) => ParseResult.succeed(format(ref))
})
