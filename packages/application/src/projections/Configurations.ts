/**
 * The configurations read model: one document per NixOS configuration (keyed by its stream id,
 * the configuration's installable) with host name, system, modules and overlays, the current
 * generation, the generations and the history of activations and rollbacks.
 */
import { Option, Schema } from "effect"
import type { DomainEvent } from "@cim-nix/domain"
import { Configuration, StorePath } from "@cim-nix/domain"
import type * as Projection from "./Projection.js"

/** One activation or rollback. */
export const HistoryEntry = Schema.Struct({
  at: Schema.DateTimeUtc,
  action: Schema.Literal("activate", "rollback"),
  storePath: Schema.String,
  /** The mode of an activation. */
  mode: Schema.optional(Configuration.ActivationMode),
  /** The generation an activation created or a rollback went to; absent for `test`/`dry-activate`. */
  generation: Schema.optional(Schema.Int),
  /** The generation a rollback left. */
  from: Schema.optional(Schema.Int)
})
export type HistoryEntry = typeof HistoryEntry.Type

/** A configuration as the read model shows it. */
export const ConfigurationView = Schema.Struct({
  flake: Schema.String,
  hostname: Schema.String,
  system: Schema.String,
  modules: Schema.Array(Schema.String),
  overlays: Schema.Array(Schema.String),
  currentGeneration: Schema.optional(Schema.Int),
  generations: Schema.Array(Schema.Struct({
    number: Schema.Int,
    storePath: Schema.String,
    mode: Configuration.ActivationMode,
    at: Schema.DateTimeUtc
  })),
  history: Schema.Array(HistoryEntry),
  createdAt: Schema.DateTimeUtc
})
export type ConfigurationView = typeof ConfigurationView.Type
/** A configuration in its JSON form, as the projector builds it. */
export type StoredConfigurationView = typeof ConfigurationView.Encoded

/** The projector of the configurations read model. */
export const apply = (
  view: Option.Option<StoredConfigurationView>,
  event: DomainEvent.Encoded,
  envelope: Projection.Envelope
): Option.Option<StoredConfigurationView> => {
  const at = envelope.occurredAt
  switch (event._tag) {
    case "ConfigurationCreated":
      return Option.some({
        flake: event.flake,
        hostname: event.hostname,
        system: event.system,
        modules: event.modules,
        overlays: event.overlays,
        generations: [],
        history: [],
        createdAt: at
      })
    case "ConfigurationActivated":
      return Option.map(view, (c) => ({
        ...c,
        ...(event.generation === null
          ? {}
          : {
            currentGeneration: event.generation,
            generations: [...c.generations, { number: event.generation, storePath: StorePath.format(event.storePath), mode: event.mode, at }]
          }),
        history: [...c.history, {
          at,
          action: "activate" as const,
          storePath: StorePath.format(event.storePath),
          mode: event.mode,
          ...(event.generation === null ? {} : { generation: event.generation })
        }]
      }))
    case "ConfigurationRolledBack":
      return Option.map(view, (c) => ({
        ...c,
        currentGeneration: event.to,
        history: [...c.history, { at, action: "rollback" as const, storePath: StorePath.format(event.storePath), generation: event.to, from: event.from }]
      }))
    default:
      return view
  }
}

/** The configurations read model, keyed by configuration stream id (`Configuration.aggregateId`). */
export const projection: Projection.Projection<ConfigurationView, StoredConfigurationView, DomainEvent.Encoded> = {
  name: "configurations",
  version: 1,
  document: ConfigurationView,
  keys: (_, envelope) => (envelope.aggregateType === Configuration.aggregateType ? [envelope.aggregateId] : []),
  apply: (view, event, envelope) => apply(view, event, envelope)
}
