/**
 * NixOS configurations (`nixosConfigurations.<hostname>` of a flake): host name, system,
 * modules, overlays, and the generations of the system profile that activations created.
 * One stream per configuration, keyed by flake path and host name.
 *
 * Activation modes follow `nixos-rebuild`: `switch` and `boot` set the system profile to the new
 * system (a new generation, numbered from 1 without gaps), `test` and `dry-activate` leave the
 * profile alone (`test` activates without a generation, `dry-activate` only reports what would
 * change). A rollback points the profile at an earlier generation; the next generation is still
 * numbered after the highest one, as Nix does.
 */
import { Effect, Option, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import { isIdentifier } from "./AttributePath.js"
import { ValidationError } from "./Errors.js"
import * as Flake from "./Flake.js"
import * as Hostname from "./Hostname.js"
import { isReference, notAReference } from "./internal/names.js"
import { checkModuleReferences } from "./Module.js"
import * as NixSystem from "./NixSystem.js"
import * as StorePath from "./StorePath.js"

/** The envelope's `aggregateType` of configuration streams. */
export const aggregateType = "Configuration"

/**
 * The stream of a configuration: the installable of the configuration,
 * `<flake>#nixosConfigurations.<hostname>` (the host name quoted when it is not an identifier).
 */
export const aggregateId = (target: { readonly flake: string; readonly hostname: string }): string =>
  `${target.flake}#nixosConfigurations.${isIdentifier(target.hostname) ? target.hostname : `"${target.hostname}"`}`

/** The system profile NixOS boots from, and the default profile of an activation. */
export const defaultProfile = "/nix/var/nix/profiles/system"

/** How to activate a system (`nixos-rebuild <mode>`, `switch-to-configuration <mode>`). */
export const ActivationMode = Schema.Literal("switch", "boot", "test", "dry-activate")
export type ActivationMode = typeof ActivationMode.Type

/** Whether activating in this mode sets the system profile, creating a generation. */
export const createsGeneration = (mode: ActivationMode): boolean => mode === "switch" || mode === "boot"

/** A generation number of the system profile: 1, 2, ... */
export const Generation = Schema.Int.pipe(Schema.positive())

/** A generation: its number, the system it points at and the mode that created it. */
export const GenerationEntry = Schema.Struct({
  number: Generation,
  storePath: StorePath.StorePath,
  mode: ActivationMode
})
export type GenerationEntry = typeof GenerationEntry.Type

const identity = {
  /** The directory of the flake that holds the configuration. */
  flake: Schema.String,
  hostname: Schema.String
}

/** A configuration as its events describe it. */
export const Configuration = Schema.Struct({
  flake: Flake.FlakePath,
  hostname: Hostname.Hostname,
  system: NixSystem.NixSystem,
  /** Path literals or module names (`inputs.sops-nix.nixosModules.sops`). */
  modules: Schema.Array(Schema.String),
  /** Path literals or overlay names (`inputs.foo.overlays.default`). */
  overlays: Schema.Array(Schema.String),
  /** Generations 1..n in order. */
  generations: Schema.Array(GenerationEntry),
  /** The generation the profile points at, if any. */
  current: Schema.optional(Generation),
  /** The last activation in any mode. */
  lastActivation: Schema.optional(Schema.Struct({ mode: ActivationMode, storePath: StorePath.StorePath }))
})
export type Configuration = typeof Configuration.Type

// Commands

/** Creates a configuration. */
export const CreateConfiguration = Schema.TaggedStruct("CreateConfiguration", {
  ...identity,
  system: Schema.String,
  modules: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  overlays: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
})
export type CreateConfiguration = typeof CreateConfiguration.Type

/** Records an activation of the built system `storePath` (its `config.system.build.toplevel`). */
export const ActivateConfiguration = Schema.TaggedStruct("ActivateConfiguration", {
  ...identity,
  mode: ActivationMode,
  storePath: StorePath.StorePath
})
export type ActivateConfiguration = typeof ActivateConfiguration.Type

/** Rolls the profile back to generation `to` (default: the one before the current). */
export const RollbackConfiguration = Schema.TaggedStruct("RollbackConfiguration", {
  ...identity,
  to: Schema.optional(Schema.Number)
})
export type RollbackConfiguration = typeof RollbackConfiguration.Type

/** The commands of a configuration. */
export const Command = Schema.Union(CreateConfiguration, ActivateConfiguration, RollbackConfiguration)
export type Command = typeof Command.Type

// Events

/** A configuration was created. */
export const ConfigurationCreated = Schema.TaggedStruct("ConfigurationCreated", {
  flake: Flake.FlakePath,
  hostname: Hostname.Hostname,
  system: NixSystem.NixSystem,
  modules: Schema.Array(Schema.String),
  overlays: Schema.Array(Schema.String)
})
export type ConfigurationCreated = typeof ConfigurationCreated.Type

/** A system was activated; `generation` is null for the modes that create none. */
export const ConfigurationActivated = Schema.TaggedStruct("ConfigurationActivated", {
  generation: Schema.NullOr(Generation),
  mode: ActivationMode,
  storePath: StorePath.StorePath
})
export type ConfigurationActivated = typeof ConfigurationActivated.Type

/** The profile was pointed back from generation `from` to the earlier `to` (whose system is `storePath`). */
export const ConfigurationRolledBack = Schema.TaggedStruct("ConfigurationRolledBack", {
  from: Generation,
  to: Generation,
  storePath: StorePath.StorePath
})
export type ConfigurationRolledBack = typeof ConfigurationRolledBack.Type

/** The events of a configuration. */
export const Event = Schema.Union(ConfigurationCreated, ConfigurationActivated, ConfigurationRolledBack)
export type Event = typeof Event.Type

/** The state of a configuration stream: none until created. */
export type State = Option.Option<Configuration>

const invalid = (field: string, message: string, hint: string) => new ValidationError({ field, message, hint })

/** The generations a rollback goes from and to. */
const rollbackTarget = (configuration: Configuration, to: number | undefined) =>
  Effect.gen(function* () {
    const current = configuration.current
    if (current === undefined) {
      return yield* invalid(
        "to",
        `configuration ${configuration.hostname} has no generation to roll back from`,
        "Activate it with switch or boot first: only those create generations."
      )
    }
    if (to === undefined) {
      if (current === 1) {
        return yield* invalid(
          "to",
          `configuration ${configuration.hostname} is at generation 1: there is no earlier generation to roll back to`,
          "Activate a new system instead."
        )
      }
      return { from: current, to: current - 1 }
    }
    if (!Number.isSafeInteger(to) || to < 1 || to >= current) {
      return yield* invalid(
        "to",
        `${to} is not an earlier generation of configuration ${configuration.hostname}: the current generation is ${current}`,
        current === 1 ? "Generation 1 is the first: activate a new system instead." : `Roll back to a generation from 1 to ${current - 1}.`
      )
    }
    return { from: current, to }
  })

const decide = (command: Command, state: State) =>
  Effect.gen(function* () {
    if (command._tag === "CreateConfiguration") {
      if (Option.isSome(state)) {
        return yield* invalid(
          "hostname",
          `configuration ${command.hostname} already exists in the flake at ${command.flake}`,
          "Activate or change the existing configuration, or choose another host name."
        )
      }
      const flake = yield* Flake.validatePath(command.flake, "flake")
      const hostname = yield* Hostname.validate(command.hostname)
      const system = yield* NixSystem.validate(command.system)
      yield* checkModuleReferences("modules", command.modules)
      for (const [i, overlay] of command.overlays.entries()) {
        if (!isReference(overlay)) return yield* notAReference(`overlays[${i}]`, overlay, "overlay", "inputs.foo.overlays.default")
      }
      return [ConfigurationCreated.make({ flake, hostname, system, modules: command.modules, overlays: command.overlays })]
    }
    if (Option.isNone(state)) {
      return yield* invalid(
        "hostname",
        `there is no configuration ${command.hostname} in the flake at ${command.flake}`,
        "Create the configuration first, or check the host name and flake path."
      )
    }
    const configuration = state.value
    if (command._tag === "ActivateConfiguration") {
      if (StorePath.isDerivation(command.storePath)) {
        return yield* invalid(
          "storePath",
          `${StorePath.format(command.storePath)} is a derivation, not a built system`,
          "Activate the output of config.system.build.toplevel, not its .drv."
        )
      }
      const generation = createsGeneration(command.mode) ? configuration.generations.length + 1 : null
      return [ConfigurationActivated.make({ generation, mode: command.mode, storePath: command.storePath })]
    }
    const { from, to } = yield* rollbackTarget(configuration, command.to)
    return [ConfigurationRolledBack.make({ from, to, storePath: configuration.generations[to - 1]!.storePath })]
  })

const evolve = (state: State, event: Event): State => {
  if (event._tag === "ConfigurationCreated") {
    const { _tag, ...created } = event
    return Option.some({ ...created, generations: [] })
  }
  return Option.map(state, (configuration): Configuration => {
    if (event._tag === "ConfigurationRolledBack") return { ...configuration, current: event.to }
    const lastActivation = { mode: event.mode, storePath: event.storePath }
    return event.generation === null
      ? { ...configuration, lastActivation }
      : {
          ...configuration,
          lastActivation,
          current: event.generation,
          generations: [...configuration.generations, { number: event.generation, storePath: event.storePath, mode: event.mode }]
        }
  })
}

/** The configuration aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: Option.none<Configuration>(),
  decide,
  evolve,
  events: Event,
  schemaVersions: { ConfigurationCreated: 1, ConfigurationActivated: 1, ConfigurationRolledBack: 1 }
})
