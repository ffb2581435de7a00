/**
 * The `Workspace` port: the files the application reads and writes. Every path is confined to
 * configured root directories (a path with a `..` segment, even one that stays inside, an
 * absolute path elsewhere and a path leaving them through a symlink are refused with an
 * `IoError` before any I/O); writes are atomic and never replace an existing
 * file unless asked; and `editFlake` changes a hand-written `flake.nix` in place, touching only
 * the bytes an edit needs (comments, blank lines and formatting stay as they were). The adapter
 * (`@cim-nix/adapter-filesystem`) implements it over the real file system.
 */
import type { Effect } from "effect"
import { Context, Schema } from "effect"
import { AttributePath } from "@cim-nix/domain"
import type { FlakeError, IoError, ParseError, ValidationError } from "@cim-nix/domain"

/**
 * The name of a flake input: a Nix identifier that is not a keyword and not `self`, so that it
 * can stand unquoted in `inputs.<name>.url` and as an argument of `outputs`.
 */
export const InputName = Schema.String.pipe(
  Schema.filter((name) =>
    AttributePath.isIdentifier(name) && name !== "self"
      ? true
      : `${JSON.stringify(name)} is not an input name: a Nix identifier (letters, digits, '_', '\'' and '-', starting with a letter or '_'), not a keyword and not "self"`
  )
)

/** The value of a `follows`: input names joined by `/` (`"nixpkgs"`, `"utils/systems"`), or `""` for the flake itself. */
export const FollowsPath = Schema.String.pipe(
  Schema.filter((path) =>
    path === "" || path.split("/").every(AttributePath.isIdentifier)
      ? true
      : `${JSON.stringify(path)} is not a follows path: input names joined by '/'`
  )
)

/**
 * Adds the input `name`, given either by `url` (a flake reference, validated with
 * `FlakeRef.parse`) or as `follows` of another input (exactly one of the two), optionally with
 * `flake = false` and `inputs.<nested>.follows = "<path>"` for each entry of `overrides` (the
 * fields of the domain's `Flake.InputSpec`). The new bindings follow the style of the file's
 * last input; when `outputs` takes an explicit argument list without `...`, `name` is added to it.
 */
export const AddInput = Schema.TaggedStruct("AddInput", {
  name: InputName,
  url: Schema.optional(Schema.String),
  follows: Schema.optional(FollowsPath),
  overrides: Schema.optional(Schema.Record({ key: InputName, value: FollowsPath })),
  /** `false` writes `flake = false`; `true` or absent writes nothing (Nix's default). */
  flake: Schema.optional(Schema.Boolean)
}).pipe(
  Schema.filter((input) =>
    (input.url === undefined) !== (input.follows === undefined) ||
    `input ${input.name} needs exactly one of url and follows`
  )
)
export type AddInput = typeof AddInput.Type

/**
 * Removes every binding of the input `name` (and its argument in `outputs`). Refused while
 * another input follows it or the body of `outputs` still uses it.
 */
export const RemoveInput = Schema.TaggedStruct("RemoveInput", { name: InputName })
export type RemoveInput = typeof RemoveInput.Type

/** Sets `inputs.<input>.inputs.<nested>.follows = "<follows>"` on an existing input. */
export const SetFollows = Schema.TaggedStruct("SetFollows", {
  input: InputName,
  nested: InputName,
  follows: FollowsPath
})
export type SetFollows = typeof SetFollows.Type

/** Sets `inputs.<input>.flake` on an existing input (`false`: a plain source tree, not a flake). */
export const SetFlake = Schema.TaggedStruct("SetFlake", { input: InputName, flake: Schema.Boolean })
export type SetFlake = typeof SetFlake.Type

/** Sets (or adds) the top-level `description`. */
export const SetDescription = Schema.TaggedStruct("SetDescription", { description: Schema.String })
export type SetDescription = typeof SetDescription.Type

/**
 * Adds `<attrPath> = import <file> <inputs>;` to the attribute set `outputs` returns (also
 * through `let ... in`), where `<inputs>` is the whole argument of `outputs` (`inputs:` or
 * `{ ... }@inputs`; an argument list without one gets `@inputs`). `file` is a relative path
 * (`./nixos/web.nix`). Refused when `outputs` does not return an attribute set literal, or
 * already defines `attrPath` (or something inside it).
 */
export const AddOutputImport = Schema.TaggedStruct("AddOutputImport", {
  attrPath: Schema.NonEmptyArray(Schema.String.pipe(Schema.minLength(1))),
  file: Schema.String.pipe(
    Schema.pattern(/^\.\.?\/[A-Za-z0-9._+\/-]+$/, { message: () => "a relative path such as ./nixos/web.nix (letters, digits, . _ + - /)" })
  )
})
export type AddOutputImport = typeof AddOutputImport.Type

/** One change to a `flake.nix`. */
export const FlakeEdit = Schema.Union(AddInput, RemoveInput, SetFollows, SetFlake, SetDescription, AddOutputImport)
export type FlakeEdit = typeof FlakeEdit.Type

/** The outcome of `editFlake`: the text before and after (equal when nothing had to change). */
export interface FlakeEdited {
  /** The confined absolute path that was edited. */
  readonly path: string
  readonly before: string
  readonly after: string
}

/** Options of `writeFile`. */
export interface WriteOptions {
  /** Replace an existing file (atomically). Without it, an existing file is an `IoError`. */
  readonly overwrite?: boolean
}

/** The operations of the port. Paths are relative to the first root, or absolute inside a root. */
export interface WorkspaceService {
  /** The absolute root directories every path must stay in. */
  readonly roots: ReadonlyArray<string>
  /** The absolute path `path` stands for, after checking that it stays inside the roots. */
  readonly resolve: (path: string) => Effect.Effect<string, IoError>
  readonly exists: (path: string) => Effect.Effect<boolean, IoError>
  /** Reads a UTF-8 text file. */
  readonly readFile: (path: string) => Effect.Effect<string, IoError>
  /**
   * Writes a UTF-8 text file atomically (a temporary file in the same directory, flushed to disk,
   * then renamed over the target): readers see the old or the new content, never a mix, and a
   * failed or interrupted write leaves the old file as it was.
   */
  readonly writeFile: (path: string, content: string, options?: WriteOptions) => Effect.Effect<void, IoError>
  readonly makeDirectory: (path: string, options?: { readonly recursive?: boolean }) => Effect.Effect<void, IoError>
  /** The names of the entries of a directory, sorted. */
  readonly list: (path: string) => Effect.Effect<ReadonlyArray<string>, IoError>
  /** Removes a file, or a directory (`recursive` for a non-empty one). A root itself cannot be removed. */
  readonly remove: (path: string, options?: { readonly recursive?: boolean }) => Effect.Effect<void, IoError>
  /**
   * Applies edits, in order, to the `flake.nix` at `path` and writes the result atomically.
   * Only the bytes an edit needs change. Files whose shape cannot be edited safely (a syntax
   * error, computed `inputs`, an input defined twice, `outputs` not a function, ...) are refused
   * with a `FlakeError` naming the shape, and the file is left untouched.
   */
  readonly editFlake: (
    path: string,
    edits: FlakeEdit | ReadonlyArray<FlakeEdit>
  ) => Effect.Effect<FlakeEdited, IoError | FlakeError | ParseError | ValidationError>
  /**
   * Makes files visible to Nix's Git fetcher: `git init` in `directory` when it is not inside a
   * Git work tree yet, then `git add -- <files>` (relative to `directory`). Says whether a
   * repository was initialised.
   */
  readonly gitAdd: (directory: string, files: ReadonlyArray<string>) => Effect.Effect<{ readonly initialised: boolean }, IoError>
}

/** The `Workspace` service tag. */
export class Workspace extends Context.Tag("@cim-nix/application/Workspace")<Workspace, WorkspaceService>() {}
