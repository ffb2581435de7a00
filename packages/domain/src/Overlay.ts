/**
 * Overlays (`final: prev: { ... }`): packages the overlay adds
 * (`name = final.callPackage ./path { args }`), packages it overrides
 * (`name = prev.name.override { ... }` or `prev.name.overrideAttrs (old: { ... })`) and packages
 * it removes (`name = null`). Each package gets one definition. One stream per overlay, keyed
 * by its name.
 */
import { Effect, Option, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import { isIdentifier } from "./AttributePath.js"
import { ValidationError } from "./Errors.js"
import { isPathLiteral, rules } from "./internal/names.js"
import * as Json from "./Json.js"

/** The envelope's `aggregateType` of overlay streams. */
export const aggregateType = "Overlay"
/** The stream of the overlay with this name. */
export const aggregateId = (name: string): string => name

/** `name = final.callPackage <path> { args }`. */
export const Addition = Schema.Struct({
  name: Schema.String,
  /** A path literal, e.g. `./pkgs/hello.nix`. */
  path: Schema.String,
  args: Schema.optionalWith(Json.JsonObject, { default: () => ({}) })
})
export type Addition = typeof Addition.Type

/** How an override changes a package: its function arguments or its derivation attributes. */
export const OverrideKind = Schema.Literal("override", "overrideAttrs")
export type OverrideKind = typeof OverrideKind.Type

/** `name = prev.name.override { changes }` or `prev.name.overrideAttrs (old: { changes })`. */
export const Override = Schema.Struct({
  name: Schema.String,
  kind: OverrideKind,
  changes: Json.JsonObject
})
export type Override = typeof Override.Type

const lists = {
  additions: Schema.optionalWith(Schema.Array(Addition), { default: () => [] }),
  overrides: Schema.optionalWith(Schema.Array(Override), { default: () => [] }),
  /** Packages set to `null`. */
  removals: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}

/** An overlay as its events describe it. */
export const Overlay = Schema.Struct({ name: Schema.String, ...lists })
export type Overlay = typeof Overlay.Type

// Commands

/** Creates an overlay. */
export const CreateOverlay = Schema.TaggedStruct("CreateOverlay", Overlay.fields)
export type CreateOverlay = typeof CreateOverlay.Type

/** The commands of an overlay. */
export const Command = CreateOverlay
export type Command = CreateOverlay

// Events

/** An overlay was created. */
export const OverlayCreated = Schema.TaggedStruct("OverlayCreated", Overlay.fields)
export type OverlayCreated = typeof OverlayCreated.Type

/** The events of an overlay. */
export const Event = OverlayCreated
export type Event = OverlayCreated

/** The state of an overlay stream: none until created. */
export type State = Option.Option<Overlay>

const invalid = (field: string, message: string, hint: string) => new ValidationError({ field, message, hint })

type Role = "added" | "overridden" | "removed"

const conflict = (name: string, first: Role, second: Role): ValidationError => {
  if (first === "added" && second === "overridden") {
    return invalid(
      `overrides.${name}`,
      `package ${name} is both added and overridden by this overlay`,
      `Put the changes into the arguments of the addition of ${name}, or drop the addition to override the ${name} of the package set below (prev.${name}).`
    )
  }
  if (first === "overridden" && second === "removed") {
    return invalid(
      `overrides.${name}`,
      `package ${name} is overridden but this overlay also removes it`,
      `Drop either the override or the removal of ${name}.`
    )
  }
  const field = second === "overridden" ? "overrides" : second === "removed" ? "removals" : "additions"
  return invalid(
    `${field}.${name}`,
    first === second ? `package ${name} is ${first} twice` : `package ${name} is both ${first} and ${second} by this overlay`,
    `An overlay gives each package one definition: keep one entry for ${name}.`
  )
}

/** Checks that each name is an identifier; `fieldOf` names the field of the i-th name in errors. */
const checkNames = (names: ReadonlyArray<string>, fieldOf: (i: number) => string, what: string) =>
  Effect.forEach(
    names,
    (name, i) =>
      isIdentifier(name)
        ? Effect.void
        : Effect.fail(invalid(fieldOf(i), `${JSON.stringify(name)} is not a valid ${what} name`, `${/^[aeiou]/.test(what) ? "An" : "A"} ${what} name is ${rules.identifier}.`)),
    { discard: true }
  )

const decide = (command: Command, state: State) =>
  Effect.gen(function* () {
    if (Option.isSome(state)) {
      return yield* invalid("name", `overlay ${command.name} already exists`, "Choose another name, or edit the existing overlay.")
    }
    if (!isIdentifier(command.name)) {
      return yield* invalid("name", `${JSON.stringify(command.name)} is not a valid overlay name`, `An overlay name is ${rules.identifier}.`)
    }
    yield* checkNames(command.additions.map((a) => a.name), (i) => `additions[${i}].name`, "package")
    yield* checkNames(command.overrides.map((o) => o.name), (i) => `overrides[${i}].name`, "package")
    yield* checkNames(command.removals, (i) => `removals[${i}]`, "package")
    for (const addition of command.additions) {
      if (!isPathLiteral(addition.path)) {
        return yield* invalid(
          `additions.${addition.name}.path`,
          `${JSON.stringify(addition.path)} is not a path to call ${addition.name} from`,
          `Give ${rules.pathLiteral}, e.g. ./pkgs/${addition.name}.nix.`
        )
      }
      yield* checkNames(Object.keys(addition.args), () => `additions.${addition.name}.args`, "argument")
    }
    for (const override of command.overrides) {
      yield* checkNames(Object.keys(override.changes), () => `overrides.${override.name}.changes`, "attribute")
    }
    const roles = new Map<string, Role>()
    const entries: ReadonlyArray<readonly [string, Role]> = [
      ...command.additions.map((a) => [a.name, "added"] as const),
      ...command.overrides.map((o) => [o.name, "overridden"] as const),
      ...command.removals.map((r) => [r, "removed"] as const)
    ]
    for (const [name, role] of entries) {
      const first = roles.get(name)
      if (first !== undefined) return yield* conflict(name, first, role)
      roles.set(name, role)
    }
    const { _tag, ...overlay } = command
    return [OverlayCreated.make(overlay)]
  })

/** The overlay aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: Option.none<Overlay>(),
  decide,
  evolve: (_state: State, event: Event): State => {
    const { _tag, ...overlay } = event
    return Option.some(overlay)
  },
  events: Event,
  schemaVersions: { OverlayCreated: 1 }
})
