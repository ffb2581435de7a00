/**
 * The `Nix` port: everything the application asks of the installed Nix (version and
 * capabilities, evaluation, ...). Operations take and return domain values; the adapter
 * (`@cim-nix/adapter-nix-cli`) runs the real `nix` programs behind it.
 */
import type { Duration, Effect } from "effect"
import { Context } from "effect"
import type { CommandError, NixVersion, ParseError } from "@cim-nix/domain"

/** A JSON value as Nix prints it with `--json`. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

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

/** What to evaluate: Nix code, or a `.nix` file (optionally one attribute path inside it). */
export type EvalSource =
  | { readonly _tag: "Expression"; readonly expression: string }
  | { readonly _tag: "File"; readonly path: string }

export interface EvalOptions extends CallOptions {
  /** Pass `--impure` (access to the environment, `builtins.getFlake` on unlocked refs, ...). */
  readonly impure?: boolean
}

/** The operations of the port. */
export interface NixService {
  /** Version, variant and capabilities of the installed Nix (asked once, then cached). */
  readonly info: Effect.Effect<NixInfo, CommandError>
  /** `nix eval --json`: evaluates with the new CLI (needs the `nix-command` feature, which the adapter enables). */
  readonly eval: (source: EvalSource, options?: EvalOptions) => Effect.Effect<Json, CommandError | ParseError>
  /**
   * `nix-instantiate --eval --strict --json`: evaluates with the classic CLI, which needs no
   * experimental feature: tells a broken Nix installation apart from a missing `nix-command`.
   * Like the classic CLI, always impure.
   */
  readonly instantiateEval: (source: EvalSource, options?: CallOptions) => Effect.Effect<Json, CommandError | ParseError>
}

/** The `Nix` service tag. */
export class Nix extends Context.Tag("@cim-nix/application/Nix")<Nix, NixService>() {}
