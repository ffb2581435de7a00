/**
 * BuildPackage: builds one or many installables in ONE `nix build` call and records, per
 * installable, PackageBuilt (derivation, outputs, timings, whether the outputs were already
 * valid) or, when the build fails, PackageBuildFailed with Nix's exit code and the log tail
 * (then the typed `BuildError` is returned). Each installable is a target of its own stream:
 * its flake reference, its attribute path (`default` when none is given) and the system Nix
 * builds for. Installables are parsed before Nix runs, so flag-like text never reaches it.
 */
import { DateTime, Effect, Either, Option, Schema, Stream } from "effect"
import type { BuildError, EventEnvelope, Json } from "@cim-nix/domain"
import { AttributePath, FlakeRef, Installable, NixSystem, Package, ParseError, StorePath, ValidationError } from "@cim-nix/domain"
import type * as EventStore from "../ports/EventStore.js"
import * as Nix from "../ports/Nix.js"
import * as CommandHandler from "./CommandHandler.js"

/** The command: installables as the user wrote them, and where to link the outputs (default: no link). */
export const BuildPackage = Schema.TaggedStruct("BuildPackage", {
  installables: Schema.Array(Schema.String),
  outLink: Schema.optional(Schema.String)
})
export type BuildPackage = typeof BuildPackage.Type

/** What one installable built to, and the events recorded for it. */
export interface Built {
  readonly installable: string
  readonly result: Nix.BuildResult
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

/** Everything the command can fail with. */
export type Error = Nix.NixError | BuildError | ValidationError | CommandHandler.ExecuteError

/** Options of the handler: a callback for each progress event of the build. */
export interface Options {
  readonly onProgress?: (event: Nix.BuildEvent) => Effect.Effect<void>
}

/** Reads an installable; text Nix could take for a flag is refused. */
export const parseInstallable = (text: string): Effect.Effect<Installable.Installable, ParseError> =>
  text.startsWith("-")
    ? Effect.fail(
        new ParseError({
          kind: "Installable",
          input: text,
          position: 0,
          message: `'${text}' looks like a flag, not an installable`,
          hint: "Give a flake installable such as path:/src/app#hello; write a path starting with '-' as ./-name."
        })
      )
    : Installable.parse(text)

/** The system Nix builds for (`builtins.currentSystem`). */
const currentSystem = (nix: Nix.NixService) =>
  nix.eval({ _tag: "Expression", expression: "builtins.currentSystem" }, { impure: true }).pipe(
    Effect.flatMap((value: Json.Json) => NixSystem.validate(String(value)))
  )

const targetOf = (installable: Installable.Installable, system: NixSystem.NixSystem): Package.Target => ({
  flakeRef: installable.flakeRef,
  attributePath: installable.attrPath ?? AttributePath.unsafeMake(["default"]),
  system
})

const specOf = (target: Package.Target): Package.TargetSpec => ({
  flakeRef: FlakeRef.format(target.flakeRef),
  attributePath: AttributePath.print(target.attributePath),
  system: target.system
})

const record = (target: Package.Target, outcome: Package.BuildPackage["outcome"], causality: EventEnvelope.Causality) =>
  CommandHandler.execute<Package.State, Package.Command, Package.Event, never, never>({
    aggregate: Package.aggregate,
    aggregateId: Package.aggregateId(target),
    command: Package.BuildPackage.make({ ...specOf(target), outcome }),
    causality
  }).pipe(Effect.map((outcome) => outcome.events))

const utc = (epochMs: number) => DateTime.unsafeMake(epochMs)

/** The last line of a log tail that says what failed. */
const summaryOf = (error: BuildError) => {
  const lines = (error.logTail ?? "").split("\n").map((l) => l.trim())
  return [...lines].reverse().find((l) => l.startsWith("error:"))?.replace(/^error:\s*/, "") ?? error.message
}

/**
 * Runs the command: one entry per installable, in the order given. Fails with the typed error of
 * the first problem; a failed build is recorded first. Every event recorded carries `causality`.
 */
export const handle = (
  command: BuildPackage,
  causality: EventEnvelope.Causality,
  options: Options = {}
): Effect.Effect<ReadonlyArray<Built>, Error, Nix.Nix | EventStore.EventStore> =>
  Effect.gen(function* () {
    const installables = yield* Effect.forEach(command.installables, parseInstallable)
    if (installables.length === 0) {
      return yield* new ValidationError({ field: "installables", message: "nothing to build", hint: "Give at least one installable, e.g. path:/src/app#hello." })
    }
    const nix = yield* Nix.Nix
    const system = yield* currentSystem(nix)
    const targets = installables.map((i) => targetOf(i, system))
    const startedAt = yield* DateTime.now
    const onProgress = options.onProgress ?? (() => Effect.void)
    const built = yield* nix.buildWithProgress(installables, command.outLink === undefined ? {} : { outLink: command.outLink }).pipe(
      Stream.tap(onProgress),
      Stream.runFold(Option.none<ReadonlyArray<Nix.BuildResult>>(), (found, event) => (event._tag === "Built" ? Option.some(event.results) : found)),
      Effect.either
    )
    if (Either.isLeft(built)) {
      const error = built.left
      if (error._tag !== "BuildError") return yield* error
      const finishedAt = yield* DateTime.now
      const failed = Package.Failed.make({ exitCode: error.exitCode ?? 1, errorSummary: summaryOf(error), logTail: error.logTail ?? "", startedAt, finishedAt })
      yield* Effect.forEach(targets, (target) => record(target, failed, causality))
      return yield* error
    }
    const results = Option.getOrElse(built.right, () => [])
    return yield* Effect.forEach(results, (result, i) =>
      record(
        targets[i]!,
        Package.Built.make({
          drvPath: result.drvPath,
          outputs: Object.fromEntries(result.outputs) as Record<string, StorePath.StorePath>,
          alreadyValid: !result.built,
          startedAt: utc(result.startedAt),
          finishedAt: utc(Math.max(result.startedAt, result.stoppedAt))
        }),
        causality
      ).pipe(Effect.map((events): Built => ({ installable: command.installables[i]!, result, events })))
    )
  })
