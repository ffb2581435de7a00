/**
 * Flakes: `nix flake init|new|lock|update|check|metadata|show`, the JSON parsed with Schema, and
 * the update command chosen from the capabilities (`nix flake lock --update-input` before 2.19,
 * `nix flake update <inputs>` since).
 */
import type { Nix } from "@cim-nix/application"
import type { CommandError, Installable, ParseError, ValidationError } from "@cim-nix/domain"
import { FlakeError, FlakeLock, FlakeRef, StorePath } from "@cim-nix/domain"
import { Effect, Option, Schema } from "effect"
import * as Path from "node:path"
import * as Cli from "./cli.js"
import { decode } from "./json.js"
import { type Arg, operand, type Runner } from "./runner.js"

/** A failure of Nix about the flake becomes a `FlakeError`; timeouts and missing programs stay `CommandError`s. */
export const toFlakeError =
  (flake: FlakeRef.FlakeRef) =>
  (error: CommandError): CommandError | FlakeError =>
    error.exitCode === undefined || error.transient
      ? error
      : new FlakeError({ path: Cli.flakeRef(flake), message: error.message, hint: error.hint, stderrTail: error.stderrTail })

/** A flake reference as a positional word. */
export const flakeOperand = (flake: FlakeRef.FlakeRef) => operand("flake reference", Cli.flakeRef(flake))

const MetadataJson = Schema.Struct({
  description: Schema.optional(Schema.String),
  lastModified: Schema.optional(Schema.Number),
  original: FlakeRef.FlakeRefFromAttrs,
  resolved: FlakeRef.FlakeRefFromAttrs,
  locked: FlakeRef.FlakeRefFromAttrs,
  url: Schema.String,
  path: StorePath.StorePathFromString,
  locks: FlakeLock.FlakeLock
})

/** `nix flake metadata --json`. */
export const metadata =
  (runner: Runner) =>
  (flake: FlakeRef.FlakeRef, options: Nix.CallOptions = {}): Effect.Effect<Nix.FlakeMetadata, CommandError | FlakeError | ParseError> =>
    runner
      .exec({ program: "nix", args: ["flake", "metadata", "--json", "--", flakeOperand(flake)], timeout: options.timeout })
      .pipe(
        Effect.mapError(toFlakeError(flake)),
        Effect.flatMap((done) => decode("nix flake metadata --json", MetadataJson)(done.stdout)),
        Effect.map((m) => ({
          description: Option.fromNullable(m.description),
          original: m.original,
          resolved: m.resolved,
          locked: m.locked,
          url: m.url,
          storePath: m.path,
          lastModified: Option.fromNullable(m.lastModified),
          locks: m.locks
        }))
      )

/** Runs a flake subcommand, then reads the lock file Nix wrote. */
const thenLocks = (runner: Runner, flake: FlakeRef.FlakeRef, args: ReadonlyArray<Arg>, options: Nix.CallOptions) =>
  runner.exec({ program: "nix", args, timeout: options.timeout }).pipe(
    Effect.mapError(toFlakeError(flake)),
    Effect.zipRight(metadata(runner)(flake, options)),
    Effect.map((m) => m.locks)
  )

/** `nix flake lock`. */
export const lock =
  (runner: Runner) =>
  (flake: FlakeRef.FlakeRef, options: Nix.CallOptions = {}): Effect.Effect<FlakeLock.FlakeLock, CommandError | FlakeError | ParseError> =>
    thenLocks(runner, flake, ["flake", "lock", "--", flakeOperand(flake)], options)

/** Updates all inputs (none named) or the named ones, with the command the installed Nix has. */
export const update =
  (runner: Runner, info: Effect.Effect<Nix.NixInfo, CommandError>) =>
  (
    flake: FlakeRef.FlakeRef,
    inputs: ReadonlyArray<string>,
    options: Nix.CallOptions = {}
  ): Effect.Effect<FlakeLock.FlakeLock, CommandError | FlakeError | ParseError | ValidationError> =>
    Effect.gen(function* () {
      const names = yield* Effect.forEach(inputs, Cli.input)
      const { capabilities } = yield* info
      const args = capabilities.flakeUpdateInputs
        ? ["flake", "update", "--flake", Cli.flakeRef(flake), ...(names.length === 0 ? [] : ["--", ...names.map((name) => operand("input name", name))])]
        : names.length === 0
          ? ["flake", "update", "--", flakeOperand(flake)]
          : ["flake", "lock", ...names.flatMap((name) => ["--update-input", name]), "--", flakeOperand(flake)]
      return yield* thenLocks(runner, flake, args, options)
    })

/** `nix flake check`. */
export const check =
  (runner: Runner) =>
  (flake: FlakeRef.FlakeRef, options: Nix.CallOptions = {}): Effect.Effect<void, CommandError | FlakeError> =>
    runner
      .exec({ program: "nix", args: ["flake", "check", "--", flakeOperand(flake)], timeout: options.timeout })
      .pipe(Effect.mapError(toFlakeError(flake)), Effect.asVoid)

const OutputLeaf = Schema.Struct({
  type: Schema.String,
  name: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String)
})

const FlakeOutputs: Schema.Schema<Nix.FlakeOutputs> = Schema.Record({
  key: Schema.String,
  value: Schema.Union(OutputLeaf, Schema.suspend(() => FlakeOutputs))
})

/** `nix flake show --json`. */
export const show =
  (runner: Runner) =>
  (flake: FlakeRef.FlakeRef, options: Nix.CallOptions = {}): Effect.Effect<Nix.FlakeOutputs, CommandError | FlakeError | ParseError> =>
    runner
      .exec({ program: "nix", args: ["flake", "show", "--json", "--", flakeOperand(flake)], timeout: options.timeout })
      .pipe(
        Effect.mapError(toFlakeError(flake)),
        Effect.flatMap((done) => decode("nix flake show --json", FlakeOutputs)(done.stdout))
      )

const directoryRef = (directory: string): FlakeRef.FlakeRef =>
  FlakeRef.unsafeMake({ type: "path", path: Path.resolve(directory) })

/** `nix flake init -t <template>` run in `directory`. */
export const init =
  (runner: Runner) =>
  (directory: string, template: Installable.Installable, options: Nix.CallOptions = {}): Effect.Effect<void, CommandError | FlakeError> =>
    runner
      .exec({
        program: "nix",
        args: ["flake", "init", "--template", Cli.installable(template)],
        cwd: Path.resolve(directory),
        timeout: options.timeout
      })
      .pipe(Effect.mapError(toFlakeError(directoryRef(directory))), Effect.asVoid)

/** `nix flake new -t <template> <directory>`. */
export const create =
  (runner: Runner) =>
  (directory: string, template: Installable.Installable, options: Nix.CallOptions = {}): Effect.Effect<void, CommandError | FlakeError> =>
    runner
      .exec({
        program: "nix",
        args: ["flake", "new", "--template", Cli.installable(template), "--", operand("directory", Path.resolve(directory))],
        timeout: options.timeout
      })
      .pipe(Effect.mapError(toFlakeError(directoryRef(directory))), Effect.asVoid)
