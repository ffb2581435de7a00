/**
 * The `Nix` port: everything the application asks of the installed Nix — version and
 * capabilities, evaluation (one value or a batch of attributes in one process), builds with a
 * stream of progress events, flakes, the store, profiles and search. Operations take and return
 * domain values; the adapter (`@cim-nix/adapter-nix-cli`) runs the real `nix` programs behind it.
 */
import type { Duration, Effect, Option, Stream } from "effect"
import { Context } from "effect"
import type {
  AttributePath,
  BuildError,
  CommandError,
  Configuration,
  Derivation,
  FlakeError,
  FlakeLock,
  FlakeRef,
  GarbageCollection,
  Installable,
  Json,
  NixVersion,
  ParseError,
  StorePath,
  ValidationError
} from "@cim-nix/domain"

/** The Nix this process talks to. */
export interface NixInfo {
  readonly version: NixVersion.NixVersion
  readonly capabilities: NixVersion.Capabilities
  /** Absolute path of the `nix` executable that was found and run. */
  readonly binary: string
}

/** Options every operation accepts. */
export interface CallOptions {
  /** Overrides the adapter's default timeout for this call. */
  readonly timeout?: Duration.DurationInput
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** What to evaluate: Nix code, a `.nix` file (optionally one attribute inside it), or an installable. */
export type EvalSource =
  | { readonly _tag: "Expression"; readonly expression: string }
  | { readonly _tag: "File"; readonly path: string; readonly attrPath?: AttributePath.AttributePath }
  | { readonly _tag: "Installable"; readonly installable: Installable.Installable }

export interface EvalOptions extends CallOptions {
  /** Pass `--impure` (environment, `builtins.currentSystem`, unlocked `builtins.getFlake`, ...). */
  readonly impure?: boolean
}

/** One attribute of a batch: its value, or none when the flake has no such attribute. */
export interface AttributeValue {
  readonly path: AttributePath.AttributePath
  readonly value: Option.Option<Json.Json>
}

// ---------------------------------------------------------------------------------------------
// Builds

export interface BuildOptions extends CallOptions {
  /**
   * Where to create `result`-style symlinks (`--out-link`; Nix appends `-<n>` and `-<output>`
   * for further ones). Default: no link (`--no-link`), the outputs may be garbage-collected.
   */
  readonly outLink?: string
}

/** What one installable built to. */
export interface BuildResult {
  readonly installable: Installable.Installable
  readonly drvPath: StorePath.StorePath
  /** Output name -> store path. */
  readonly outputs: ReadonlyMap<string, StorePath.StorePath>
  /** When its derivation started and stopped building (epoch ms); the call's own times when nothing was built. */
  readonly startedAt: number
  readonly stoppedAt: number
  /** False when every output was already valid and Nix built nothing for this installable. */
  readonly built: boolean
}

/** What a Nix activity is (`--log-format internal-json` activity types). */
export type ActivityType =
  | "unknown"
  | "copy-path"
  | "file-transfer"
  | "realise"
  | "copy-paths"
  | "builds"
  | "build"
  | "optimise-store"
  | "verify-paths"
  | "substitute"
  | "query-path-info"
  | "post-build-hook"
  | "build-waiting"

/** The progress of a build, parsed from Nix's structured log. `at` is epoch ms. */
export type BuildEvent =
  | {
      readonly _tag: "ActivityStarted"
      readonly id: number
      readonly parent: number
      readonly activity: ActivityType
      readonly text: string
      /** For `build` activities: the derivation being built. */
      readonly drvPath: Option.Option<string>
      readonly at: number
    }
  | { readonly _tag: "ActivityStopped"; readonly id: number; readonly at: number }
  /** Counters of an activity (`builds`: derivations done / expected / running / failed). */
  | {
      readonly _tag: "Progress"
      readonly id: number
      readonly done: number
      readonly expected: number
      readonly running: number
      readonly failed: number
    }
  /** How many sub-activities of a type an activity expects (e.g. derivations to build). */
  | { readonly _tag: "Expected"; readonly id: number; readonly activity: ActivityType; readonly expected: number }
  | { readonly _tag: "BuildLogLine"; readonly id: number; readonly line: string }
  | { readonly _tag: "Phase"; readonly id: number; readonly phase: string }
  /** A message Nix printed (level 0 error ... 7 vomit). */
  | { readonly _tag: "Message"; readonly level: number; readonly text: string }
  /** The last event: the results, one per installable in the order given. */
  | { readonly _tag: "Built"; readonly results: ReadonlyArray<BuildResult> }

// ---------------------------------------------------------------------------------------------
// Flakes

/** `nix flake metadata --json`. */
export interface FlakeMetadata {
  readonly description: Option.Option<string>
  readonly original: FlakeRef.FlakeRef
  readonly resolved: FlakeRef.FlakeRef
  readonly locked: FlakeRef.FlakeRef
  /** The locked reference as a URL (usable with `builtins.getFlake` in pure mode). */
  readonly url: string
  /** The flake's source in the store. */
  readonly storePath: StorePath.StorePath
  readonly lastModified: Option.Option<number>
  readonly locks: FlakeLock.FlakeLock
}

/** A leaf of `nix flake show --json`: `{ type: "derivation", name, description }`, `{ type: "nixos-module" }`, ... */
export interface FlakeOutputLeaf {
  readonly type: string
  readonly name?: string
  readonly description?: string
}

/** The output tree of `nix flake show --json`. */
export interface FlakeOutputs {
  readonly [name: string]: FlakeOutputs | FlakeOutputLeaf
}

// ---------------------------------------------------------------------------------------------
// Store

/** `nix path-info --json` of one valid store path. */
export interface PathInfo {
  readonly path: StorePath.StorePath
  readonly narHash: string
  readonly narSize: number
  /** Sum of the NAR sizes of the closure (asked with `closureSize`). */
  readonly closureSize: Option.Option<number>
  readonly references: ReadonlyArray<StorePath.StorePath>
  readonly deriver: Option.Option<StorePath.StorePath>
  /** Epoch seconds. */
  readonly registrationTime: Option.Option<number>
}

export interface PathInfoOptions extends CallOptions {
  /** Also report the closure size (`-S`). */
  readonly closureSize?: boolean
  /** Report every path of the closures, not just the paths given (`-r`). */
  readonly recursive?: boolean
}

export interface GcOptions extends CallOptions, Partial<GarbageCollection.Options> {
  /** Delete only these paths (when dead), instead of all garbage. */
  readonly paths?: ReadonlyArray<StorePath.StorePath>
}

/** What a garbage collection deleted (or, on a dry run, would delete). */
export interface GcResult {
  readonly dryRun: boolean
  readonly deletedPaths: ReadonlyArray<StorePath.StorePath>
  /** As Nix reported it (2 decimals of MiB on older Nix); on a dry run, the sum of the NAR sizes. */
  readonly freedBytes: number
}

// ---------------------------------------------------------------------------------------------
// Profiles

/** One generation of a profile. */
export interface Generation {
  readonly number: number
  /** Epoch ms. */
  readonly createdAt: number
  readonly current: boolean
  /** What the generation points to. */
  readonly storePath: StorePath.StorePath
}

/** Which generations to delete: all but the current, older than `<N>d`, or these numbers. */
export type GenerationSelection =
  | { readonly _tag: "Old" }
  | { readonly _tag: "OlderThan"; readonly days: number }
  | { readonly _tag: "Numbers"; readonly numbers: ReadonlyArray<number> }

/** What an activation script printed. */
export interface Activated {
  readonly stdout: string
  readonly stderr: string
}

// ---------------------------------------------------------------------------------------------
// Search

/** One package found by `nix search`. */
export interface SearchHit {
  readonly attrPath: AttributePath.AttributePath
  readonly pname: string
  readonly version: string
  readonly description: string
}

/** Errors that any operation may raise. */
export type NixError = CommandError | ParseError

/** The operations of the port. */
export interface NixService {
  /** Version, variant and capabilities of the installed Nix (asked once, then cached). */
  readonly info: Effect.Effect<NixInfo, CommandError>

  /** `nix eval --json`: evaluates with the new CLI (the adapter enables `nix-command` and `flakes`). */
  readonly eval: (source: EvalSource, options?: EvalOptions) => Effect.Effect<Json.Json, NixError | ValidationError>
  /**
   * `nix-instantiate --eval --strict --json`: evaluates with the classic CLI, which needs no
   * experimental feature: tells a broken Nix installation apart from a missing `nix-command`.
   * Like the classic CLI, always impure.
   */
  readonly instantiateEval: (source: EvalSource, options?: CallOptions) => Effect.Effect<Json.Json, NixError | ValidationError>
  /**
   * Several attributes of one flake in ONE evaluation (results in the order asked). Pure: an
   * unlocked reference is first locked with `nix flake metadata` unless `impure` is set.
   */
  readonly evalAttributes: (
    flake: FlakeRef.FlakeRef,
    paths: ReadonlyArray<AttributePath.AttributePath>,
    options?: EvalOptions
  ) => Effect.Effect<ReadonlyArray<AttributeValue>, NixError | FlakeError>

  /** Builds installables in one `nix build` call; results in the order given. */
  readonly build: (
    installables: ReadonlyArray<Installable.Installable>,
    options?: BuildOptions
  ) => Effect.Effect<ReadonlyArray<BuildResult>, NixError | BuildError | ValidationError>
  /** Like `build`, as the stream of progress events, ending with `Built`. */
  readonly buildWithProgress: (
    installables: ReadonlyArray<Installable.Installable>,
    options?: BuildOptions
  ) => Stream.Stream<BuildEvent, NixError | BuildError | ValidationError>

  /** `nix flake init -t <template>` in an existing directory (only local templates work offline). */
  readonly initFlake: (directory: string, template: Installable.Installable, options?: CallOptions) => Effect.Effect<void, NixError | FlakeError>
  /** `nix flake new <directory> -t <template>`: creates the directory. */
  readonly newFlake: (directory: string, template: Installable.Installable, options?: CallOptions) => Effect.Effect<void, NixError | FlakeError>
  /** `nix flake lock`: adds missing locks, returns the lock file. */
  readonly lockFlake: (flake: FlakeRef.FlakeRef, options?: CallOptions) => Effect.Effect<FlakeLock.FlakeLock, NixError | FlakeError>
  /** Updates all inputs (`inputs` empty) or the named ones, with the command of the installed Nix. */
  readonly updateFlake: (
    flake: FlakeRef.FlakeRef,
    inputs: ReadonlyArray<string>,
    options?: CallOptions
  ) => Effect.Effect<FlakeLock.FlakeLock, NixError | FlakeError | ValidationError>
  /** `nix flake check`; a failing check is a `FlakeError` carrying Nix's message. */
  readonly checkFlake: (flake: FlakeRef.FlakeRef, options?: CallOptions) => Effect.Effect<void, NixError | FlakeError>
  readonly flakeMetadata: (flake: FlakeRef.FlakeRef, options?: CallOptions) => Effect.Effect<FlakeMetadata, NixError | FlakeError>
  readonly showFlake: (flake: FlakeRef.FlakeRef, options?: CallOptions) => Effect.Effect<FlakeOutputs, NixError | FlakeError>

  /** `nix path-info --json` (both JSON shapes); an invalid path is a `CommandError`. */
  readonly pathInfo: (
    paths: ReadonlyArray<StorePath.StorePath>,
    options?: PathInfoOptions
  ) => Effect.Effect<ReadonlyArray<PathInfo>, NixError>
  /** The derivation behind a `.drv` path or an installable (`nix show-derivation` / `nix derivation show`). */
  readonly showDerivation: (
    target: StorePath.StorePath | Installable.Installable,
    options?: CallOptions
  ) => Effect.Effect<ReadonlyMap<string, Derivation.Derivation>, NixError>
  readonly collectGarbage: (options?: GcOptions) => Effect.Effect<GcResult, NixError | ValidationError>

  readonly listGenerations: (profile: string, options?: CallOptions) => Effect.Effect<ReadonlyArray<Generation>, NixError>
  /** Points the profile at a store path: a new generation, returned. */
  readonly setProfile: (profile: string, path: StorePath.StorePath, options?: CallOptions) => Effect.Effect<Generation, NixError>
  readonly switchGeneration: (profile: string, generation: number, options?: CallOptions) => Effect.Effect<Generation, NixError>
  /** Switches to the generation before the current one, returned. */
  readonly rollback: (profile: string, options?: CallOptions) => Effect.Effect<Generation, NixError>
  /** Deletes generations (never the current one); returns those that remain. */
  readonly deleteGenerations: (
    profile: string,
    selection: GenerationSelection,
    options?: CallOptions
  ) => Effect.Effect<ReadonlyArray<Generation>, NixError>

  /** Runs `<system>/bin/switch-to-configuration <mode>` (no shell; a non-zero exit is a `CommandError`). */
  readonly switchToConfiguration: (
    system: StorePath.StorePath,
    mode: Configuration.ActivationMode,
    options?: CallOptions
  ) => Effect.Effect<Activated, CommandError>

  /** `nix search <flake> <regex> --json` (`^` when no regex), within the flake's packages. */
  readonly search: (
    flake: FlakeRef.FlakeRef,
    regex?: string,
    options?: CallOptions
  ) => Effect.Effect<ReadonlyArray<SearchHit>, NixError | FlakeError>
}

/** The `Nix` service tag. */
export class Nix extends Context.Tag("@cim-nix/application/Nix")<Nix, NixService>() {}
