/**
 * NixOS modules: a named unit with option declarations (name, type, default, description,
 * example), imports (paths or references to other modules) and config values. One stream per
 * module, keyed by its name.
 */
import { Effect, Option, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import { isIdentifier } from "./AttributePath.js"
import { ParseError, ValidationError } from "./Errors.js"
import { isDottedName, isReference, notAReference, rules } from "./internal/names.js"
import * as Json from "./Json.js"
import * as OptionType from "./OptionType.js"

/** The envelope's `aggregateType` of module streams. */
export const aggregateType = "Module"
/** The stream of the module with this name. */
export const aggregateId = (name: string): string => name

/** An option declaration (`options.<name> = mkOption { type; default; description; example; }`). */
export const OptionDeclaration = Schema.Struct({
  /** Dotted option name, e.g. `services.foo.enable`. */
  name: Schema.String,
  type: OptionType.OptionType,
  default: Schema.optional(Json.Json),
  description: Schema.optional(Schema.String),
  /** Shown in documentation only: like NixOS, the domain does not check it against the type. */
  example: Schema.optional(Json.Json)
})
export type OptionDeclaration = typeof OptionDeclaration.Type

/** A module as its events describe it. */
export const Module = Schema.Struct({
  name: Schema.String,
  options: Schema.Array(OptionDeclaration),
  /** Path literals (`./hardware.nix`) or module references (`inputs.sops-nix.nixosModules.sops`). */
  imports: Schema.Array(Schema.String),
  config: Json.JsonObject
})
export type Module = typeof Module.Type

// Commands

/** Creates a module. Option types are given in the compact syntax of `OptionType.parse`. */
export const CreateModule = Schema.TaggedStruct("CreateModule", {
  name: Schema.String,
  options: Schema.optionalWith(
    Schema.Array(Schema.Struct({ ...OptionDeclaration.fields, type: Schema.String })),
    { default: () => [] }
  ),
  imports: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  config: Schema.optionalWith(Json.JsonObject, { default: () => ({}) })
})
export type CreateModule = typeof CreateModule.Type

/** The commands of a module. */
export const Command = CreateModule
export type Command = CreateModule

// Events

/** A module was created. */
export const ModuleCreated = Schema.TaggedStruct("ModuleCreated", Module.fields)
export type ModuleCreated = typeof ModuleCreated.Type

/** The events of a module. */
export const Event = ModuleCreated
export type Event = ModuleCreated

/** The state of a module stream: none until created. */
export type State = Option.Option<Module>

const invalid = (field: string, message: string, hint: string) => new ValidationError({ field, message, hint })

const parseOption = (option: CreateModule["options"][number]) =>
  OptionType.parse(option.type).pipe(
    Effect.mapError((e) => new ParseError({ ...e, message: `option ${option.name}: ${e.message}` })),
    Effect.map((type): OptionDeclaration => ({ ...option, type }))
  )

const checkOptions = (declared: ReadonlyArray<OptionDeclaration>) =>
  Effect.gen(function* () {
    const seen = new Set<string>()
    for (const [i, option] of declared.entries()) {
      if (!isDottedName(option.name)) {
        return yield* invalid(`options[${i}].name`, `${JSON.stringify(option.name)} is not a valid option name`, `An option name is ${rules.dottedName}, e.g. \`services.nginx.enable\`.`)
      }
      if (seen.has(option.name)) {
        return yield* invalid(`options.${option.name}`, `option ${option.name} is declared twice`, "Declare each option once.")
      }
      seen.add(option.name)
      if (option.default !== undefined) {
        const why = OptionType.mismatch(option.type, option.default)
        if (why !== undefined) {
          return yield* invalid(
            `options.${option.name}.default`,
            `the default of option ${option.name}, ${JSON.stringify(option.default)}, does not fit its type ${OptionType.print(option.type)}: ${why}`,
            "Give a default that the type accepts, or change the option's type."
          )
        }
      }
    }
    for (const option of declared) {
      const longer = declared.find((o) => o.name.startsWith(`${option.name}.`))
      if (longer !== undefined) {
        return yield* invalid(
          `options.${option.name}`,
          `option ${option.name} is also a prefix of option ${longer.name}`,
          "An option cannot hold other options: rename one of them (e.g. use `enable` for a switch next to its settings)."
        )
      }
    }
  })

/** Checks that each entry is a path literal or a module name (`imports`, a configuration's `modules`). */
export const checkModuleReferences = (field: string, entries: ReadonlyArray<string>) =>
  Effect.forEach(
    entries,
    (entry, i) =>
      isReference(entry) ? Effect.void : Effect.fail(notAReference(`${field}[${i}]`, entry, "module", "inputs.sops-nix.nixosModules.sops")),
    { discard: true }
  )

const decide = (command: Command, state: State) =>
  Effect.gen(function* () {
    if (Option.isSome(state)) {
      return yield* invalid("name", `module ${command.name} already exists`, "Choose another name, or edit the existing module.")
    }
    if (!isIdentifier(command.name)) {
      return yield* invalid("name", `${JSON.stringify(command.name)} is not a valid module name`, `A module name is ${rules.identifier}.`)
    }
    const options = yield* Effect.forEach(command.options, parseOption)
    yield* checkOptions(options)
    yield* checkModuleReferences("imports", command.imports)
    return [ModuleCreated.make({ name: command.name, options, imports: command.imports, config: command.config })]
  })

/** The module aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: Option.none<Module>(),
  decide,
  evolve: (_state: State, event: Event): State => {
    const { _tag, ...module } = event
    return Option.some(module)
  },
  events: Event,
  schemaVersions: { ModuleCreated: 1 }
})
