/**
 * RollbackConfiguration, as `nixos-rebuild switch --rollback` does it: point the system profile
 * back at the previous generation of the configuration (or generation `to`) with Nix's own
 * `nix-env --switch-generation`, run that system's `bin/switch-to-configuration switch`, and
 * record ConfigurationRolledBack. The profile generation is the latest one that points at the
 * recorded system; when the script fails or the event cannot be recorded, the profile goes back
 * to where it was.
 */
import { Effect, Option, Schema } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { CommandError, Configuration, StorePath } from "@cim-nix/domain"
import * as Nix from "../ports/Nix.js"
import { currentGeneration, existing, restoreProfile } from "./ActivateConfiguration.js"
import * as CommandHandler from "./CommandHandler.js"

/** The request: which configuration, the profile, and the generation to go back to (default: the one before the current). */
export const Request = Schema.Struct({
  flake: Schema.String,
  hostname: Schema.String,
  profile: Schema.optionalWith(Schema.String, { default: () => Configuration.defaultProfile }),
  to: Schema.optional(Schema.Number)
})
export type Request = typeof Request.Type

/** Rolls back; returns the generations left and reached, the system, what its script printed and the events. */
export const handle = (request: Request, causality: EventEnvelope.Causality) =>
  Effect.gen(function* () {
    const nix = yield* Nix.Nix
    yield* existing(request)
    let profileGeneration: number | null = null
    let output: Nix.Activated | null = null
    const outcome = yield* CommandHandler.execute({
      aggregate: Configuration.aggregate,
      aggregateId: Configuration.aggregateId(request),
      command: Configuration.RollbackConfiguration.make({
        flake: request.flake,
        hostname: request.hostname,
        ...(request.to === undefined ? {} : { to: request.to })
      }),
      causality,
      perform: (events) =>
        Effect.gen(function* () {
          const rolledBack = events[0] as Configuration.ConfigurationRolledBack
          const before = Option.map(yield* currentGeneration(request.profile), (g) => g.number)
          const generations = yield* nix.listGenerations(request.profile)
          // The current generation when it already points at that system (Nix makes no new generation for the same path).
          const system = StorePath.format(rolledBack.storePath)
          const same = (g: Nix.Generation) => StorePath.format(g.storePath) === system
          const target = generations.find((g) => g.current && same(g)) ?? generations.filter(same).at(-1)
          if (target === undefined) {
            return yield* new CommandError({
              command: ["nix-env", "--profile", request.profile, "--list-generations"],
              message: `profile ${request.profile} has no generation of ${system} (generation ${rolledBack.to} of ${request.hostname}) to switch to`,
              hint: "The generation was deleted from the profile (or another profile is meant: pass --profile); activate the configuration again instead."
            })
          }
          if (!target.current) yield* nix.switchGeneration(request.profile, target.number)
          profileGeneration = target.number
          const undo = restoreProfile(nix, request.profile, before, Option.none())
          output = yield* nix.switchToConfiguration(rolledBack.storePath, "switch").pipe(Effect.tapError(() => undo))
          return { undo }
        })
    })
    const rolledBack = outcome.events[0]!.payload as { readonly from: number; readonly to: number }
    return {
      from: rolledBack.from,
      to: rolledBack.to,
      storePath: StorePath.format(Option.getOrThrow(outcome.state).generations[rolledBack.to - 1]!.storePath),
      profile: request.profile,
      profileGeneration: profileGeneration as number | null,
      output: output as Nix.Activated | null,
      events: outcome.events
    }
  })
