/**
 * Packages as build targets: a flake reference, an attribute path and a system. Each target
 * has its own stream (its id derived from the canonical forms of the three) holding the history
 * of its builds: PackageBuilt with the derivation, the output paths and the timings, or
 * PackageBuildFailed with Nix's exit code and the tail of the log. The handler runs the build
 * and hands the outcome to `decide` in BuildPackage.
 */
import { DateTime, Effect, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import * as AttributePath from "./AttributePath.js"
import { ValidationError } from "./Errors.js"
import * as FlakeRef from "./FlakeRef.js"
import { OutputName } from "./Installable.js"
import * as NixSystem from "./NixSystem.js"
import * as StorePath from "./StorePath.js"

/** The envelope's `aggregateType` of package streams. */
export const aggregateType = "Package"

/** A build target. */
export const Target = Schema.Struct({
  flakeRef: FlakeRef.FlakeRef,
  attributePath: AttributePath.AttributePath,
  system: NixSystem.NixSystem
})
export type Target = typeof Target.Type

/**
 * The stream of a target: `<canonical flake ref>#<attribute path>@<system>`, e.g.
 * `github:NixOS/nixpkgs/nixos-24.05#hello@x86_64-linux`. Spellings of the same reference that
 * Nix reads alike give the same id.
 */
export const aggregateId = (target: Target): string =>
  `${FlakeRef.format(target.flakeRef)}#${AttributePath.print(target.attributePath)}@${target.system}`

/** A target as a command gives it: the flake reference and the attribute path as text. */
export const TargetSpec = Schema.Struct({
  flakeRef: Schema.String,
  attributePath: Schema.String,
  system: Schema.String
})
export type TargetSpec = typeof TargetSpec.Type

/** Reads a target: the handler uses it to find the stream, `decide` to check the command. */
export const parseTarget = (spec: TargetSpec) =>
  Effect.all({
    flakeRef: FlakeRef.parse(spec.flakeRef),
    attributePath: AttributePath.parse(spec.attributePath),
    system: NixSystem.validate(spec.system)
  })

const timing = {
  startedAt: Schema.DateTimeUtc,
  finishedAt: Schema.DateTimeUtc
}

/** What a successful build gave. */
export const Built = Schema.TaggedStruct("Built", {
  drvPath: StorePath.StorePath,
  /** Output name (`out`, `dev`, ...) to its path. */
  outputs: Schema.Record({ key: Schema.String, value: StorePath.StorePath }),
  /** Whether any output was already valid in the store before the build (substituted or built earlier). */
  alreadyValid: Schema.Boolean,
  ...timing
})
export type Built = typeof Built.Type

/** How a build failed. */
export const Failed = Schema.TaggedStruct("Failed", {
  /** Nix's exit code: 1, or 100 (build failure), 101 (timeout), 102 (hash mismatch), 104 (not deterministic). */
  exitCode: Schema.Number,
  /** One line saying what failed, e.g. `builder for '/nix/store/...-hello.drv' failed with exit code 2`. */
  errorSummary: Schema.String,
  logTail: Schema.String,
  ...timing
})
export type Failed = typeof Failed.Type

// Commands

/** Records a build of a target and its outcome. */
export const BuildPackage = Schema.TaggedStruct("BuildPackage", {
  ...TargetSpec.fields,
  outcome: Schema.Union(Built, Failed)
})
export type BuildPackage = typeof BuildPackage.Type

/** The commands of a package. */
export const Command = BuildPackage
export type Command = BuildPackage

// Events

const measured = { ...timing, durationMs: Schema.NonNegativeInt }

/** A build succeeded. */
export const PackageBuilt = Schema.TaggedStruct("PackageBuilt", {
  ...Target.fields,
  drvPath: StorePath.StorePath,
  outputs: Schema.Record({ key: OutputName, value: StorePath.StorePath }),
  alreadyValid: Schema.Boolean,
  ...measured
})
export type PackageBuilt = typeof PackageBuilt.Type

/** A build failed. */
export const PackageBuildFailed = Schema.TaggedStruct("PackageBuildFailed", {
  ...Target.fields,
  exitCode: Schema.Int.pipe(Schema.positive()),
  errorSummary: Schema.NonEmptyTrimmedString,
  logTail: Schema.String,
  ...measured
})
export type PackageBuildFailed = typeof PackageBuildFailed.Type

/** The events of a package. */
export const Event = Schema.Union(PackageBuilt, PackageBuildFailed)
export type Event = typeof Event.Type

/** The build history of a target. */
export interface State {
  readonly builds: number
  readonly failures: number
  /** The outputs of the last successful build. */
  readonly lastOutputs?: { readonly [name: string]: StorePath.StorePath }
  readonly lastDrvPath?: StorePath.StorePath
  /** When the last build (successful or not) finished. */
  readonly lastFinishedAt?: DateTime.Utc
}

const invalid = (field: string, message: string, hint: string) => new ValidationError({ field, message, hint })

const checkTiming = (outcome: Built | Failed) =>
  DateTime.lessThan(outcome.finishedAt, outcome.startedAt)
    ? Effect.fail(
        invalid(
          "outcome.finishedAt",
          `the build finished (${DateTime.formatIso(outcome.finishedAt)}) before it started (${DateTime.formatIso(outcome.startedAt)})`,
          "Give the times the build started and finished, from the same clock."
        )
      )
    : Effect.succeed(DateTime.distance(outcome.startedAt, outcome.finishedAt))

const checkBuilt = (built: Built) =>
  Effect.gen(function* () {
    const drv = StorePath.format(built.drvPath)
    if (!StorePath.isDerivation(built.drvPath)) {
      return yield* invalid("outcome.drvPath", `${drv} is not a derivation (its name does not end in .drv)`, "Give the .drv the outputs were built from.")
    }
    const names = Object.keys(built.outputs)
    if (names.length === 0) {
      return yield* invalid("outcome.outputs", "the build reported no outputs", "Give every output the build produced, e.g. { out: /nix/store/...-hello-2.12 }.")
    }
    for (const name of names) {
      if (!Schema.is(OutputName)(name)) {
        return yield* invalid(
          "outcome.outputs",
          `${JSON.stringify(name)} is not an output name`,
          "An output name is made of A-Za-z0-9+-._?= and does not start with a dot, e.g. out, dev, man."
        )
      }
      const path = built.outputs[name]!
      if (StorePath.isDerivation(path)) {
        return yield* invalid(`outcome.outputs.${name}`, `output ${name} is a derivation: ${StorePath.format(path)}`, "Give the built output paths, not derivations.")
      }
      if (path.storeDir !== built.drvPath.storeDir) {
        return yield* invalid(
          `outcome.outputs.${name}`,
          `output ${name} is in the store ${path.storeDir} but the derivation is in ${built.drvPath.storeDir}`,
          "Give paths of the one store the build ran in."
        )
      }
    }
  })

const checkFailed = (failed: Failed) =>
  Effect.gen(function* () {
    if (!Number.isSafeInteger(failed.exitCode) || failed.exitCode < 1) {
      return yield* invalid("outcome.exitCode", `${failed.exitCode} is not the exit code of a failed build`, "A failed build exits with a whole number of 1 or more, e.g. 1 or 100.")
    }
    if (failed.errorSummary.trim() === "") {
      return yield* invalid("outcome.errorSummary", "the error summary is empty", "Say in one line what failed, e.g. the last error line of Nix.")
    }
  })

const decide = (command: Command, _state: State) =>
  Effect.gen(function* () {
    const target = yield* parseTarget(command)
    const durationMs = yield* checkTiming(command.outcome)
    const { startedAt, finishedAt } = command.outcome
    if (command.outcome._tag === "Built") {
      const built = command.outcome
      yield* checkBuilt(built)
      return [PackageBuilt.make({ ...target, drvPath: built.drvPath, outputs: built.outputs as PackageBuilt["outputs"], alreadyValid: built.alreadyValid, startedAt, finishedAt, durationMs })]
    }
    const failed = command.outcome
    yield* checkFailed(failed)
    return [PackageBuildFailed.make({ ...target, exitCode: failed.exitCode, errorSummary: failed.errorSummary.trim(), logTail: failed.logTail, startedAt, finishedAt, durationMs })]
  })

const evolve = (state: State, event: Event): State =>
  event._tag === "PackageBuilt"
    ? { ...state, builds: state.builds + 1, lastOutputs: event.outputs, lastDrvPath: event.drvPath, lastFinishedAt: event.finishedAt }
    : { ...state, failures: state.failures + 1, lastFinishedAt: event.finishedAt }

/** The package aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: { builds: 0, failures: 0 } satisfies State as State,
  decide,
  evolve,
  events: Event,
  schemaVersions: { PackageBuilt: 1, PackageBuildFailed: 1 }
})
