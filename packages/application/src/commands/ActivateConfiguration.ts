/**
 * ActivateConfiguration, as `nixos-rebuild <mode>` does it: build the configuration's
 * `config.system.build.toplevel`, point the system profile at it (`switch` and `boot`: a new
 * generation, by Nix's own `nix-env --profile P --set`), run its
 * `bin/switch-to-configuration <mode>` (skipped for `dry-activate`, which only builds), and
 * record ConfigurationActivated. The profile's directory is made when missing. When the script fails, or the event cannot be recorded, the
 * profile is pointed back at the generation it had and the new generation is deleted.
 */
import { Effect, Option, Schema } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { Configuration, Installable, StorePath, ValidationError } from "@cim-nix/domain"
import * as Nix from "../ports/Nix.js"
import * as Workspace from "../ports/Workspace.js"
import * as CommandHandler from "./CommandHandler.js"

/** The system profile of NixOS. */

/** The request: which configuration, how to activate it, and the profile to set. */
export const Request = Schema.Struct({
  flake: Schema.String,
  hostname: Schema.String,
  mode: Configuration.ActivationMode,
  profile: Schema.optionalWith(Schema.String, { default: () => Configuration.defaultProfile })
})
export type Request = typeof Request.Type

/** The current generation of a profile, none for a profile without generations. */
export const currentGeneration = (profile: string) =>
  Effect.flatMap(Nix.Nix, (nix) => nix.listGenerations(profile)).pipe(Effect.map((generations) => Option.fromNullable(generations.find((g) => g.current))))

/**
 * Points `profile` back at generation `back` (when there is one) and deletes generation
 * `drop`, if given: what undoing a profile change takes. Never fails (the caller reports the
 * error that made it necessary).
 */
export const restoreProfile = (nix: Nix.NixService, profile: string, back: Option.Option<number>, drop: Option.Option<number>) =>
  Effect.gen(function* () {
    if (Option.isNone(back)) return
    yield* nix.switchGeneration(profile, back.value)
    if (Option.isSome(drop)) yield* nix.deleteGenerations(profile, { _tag: "Numbers", numbers: [drop.value] })
  }).pipe(Effect.ignore)

/** Loads a configuration's state; fails when it was never created. */
export const existing = (target: { readonly flake: string; readonly hostname: string }) =>
  Effect.flatMap(CommandHandler.load(Configuration.aggregate, Configuration.aggregateId(target)), ({ state }) =>
    Option.match(state, {
      onSome: Effect.succeed,
      onNone: () =>
        Effect.fail(
          new ValidationError({
            field: "hostname",
            message: `there is no configuration ${target.hostname} in the flake at ${target.flake}`,
            hint: "Create it first with `cim-nix config create`, or check the host name and flake directory."
          })
        )
    })
  )

/** Builds the configuration's toplevel and activates it; returns the system, both generation numbers, what the script printed and the events. */
export const handle = (request: Request, causality: EventEnvelope.Causality) =>
  Effect.gen(function* () {
    const nix = yield* Nix.Nix
    yield* existing(request)
    const workspace = yield* Workspace.Workspace
    const profiles = request.profile.slice(0, request.profile.lastIndexOf("/"))
    if (profiles !== "" && !(yield* workspace.exists(profiles))) yield* workspace.makeDirectory(profiles, { recursive: true })
    const installable = yield* Installable.parse(`path:${Configuration.aggregateId(request)}.config.system.build.toplevel`)
    const [built] = yield* nix.build([installable])
    const storePath = built!.outputs.get("out")!
    let profileGeneration: number | null = null
    let output: Nix.Activated | null = null
    const outcome = yield* CommandHandler.execute({
      aggregate: Configuration.aggregate,
      aggregateId: Configuration.aggregateId(request),
      command: Configuration.ActivateConfiguration.make({ flake: request.flake, hostname: request.hostname, mode: request.mode, storePath }),
      causality,
      perform: () =>
        Effect.gen(function* () {
          const before = Option.map(yield* currentGeneration(request.profile), (g) => g.number)
          const created = Configuration.createsGeneration(request.mode) ? Option.some((yield* nix.setProfile(request.profile, storePath)).number) : Option.none<number>()
          const undo = restoreProfile(nix, request.profile, before, created)
          profileGeneration = Option.getOrNull(created)
          if (request.mode !== "dry-activate") {
            output = yield* nix.switchToConfiguration(storePath, request.mode).pipe(Effect.tapError(() => undo))
          }
          return { undo }
        })
    })
    const configuration = Option.getOrThrow(outcome.state)
    return {
      storePath: StorePath.format(storePath),
      mode: request.mode,
      profile: request.profile,
      generation: Configuration.createsGeneration(request.mode) ? configuration.current ?? null : null,
      profileGeneration: profileGeneration as number | null,
      activated: request.mode !== "dry-activate",
      output: output as Nix.Activated | null,
      events: outcome.events
    }
  })
