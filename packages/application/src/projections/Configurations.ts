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

type Generation = StoredConfigurationView["generations"][number]
type StoredHistoryEntry = StoredConfigurationView["history"][number]

/**
 * The projector of the configurations read model: a configuration's document after its
 * events. Its generations and history are copied once per call, not once per event.
 */
export const apply = (
  view: Option.Option<StoredConfigurationView>,
  events: ReadonlyArray<DomainEvent.Encoded>,
  envelopes: ReadonlyArray<Projection.Envelope>
): Option.Option<StoredConfigurationView> => {
  let current = Option.getOrUndefined(view)
  // The lists of `current`, owned by this call once an event added to them.
  let generations: Array<Generation> | undefined
  let history: Array<StoredHistoryEntry> | undefined
  events.forEach((event, i) => {
    const at = envelopes[i]!.occurredAt
    switch (event._tag) {
      case "ConfigurationCreated":
        generations = []
        history = []
        current = {
          flake: event.flake,
          hostname: event.hostname,
          system: event.system,
          modules: event.modules,
          overlays: event.overlays,
          generations,
          history,
          createdAt: at
        }
        return
      case "ConfigurationActivated": {
        if (current === undefined) return
        const storePath = StorePath.format(event.storePath)
        history ??= current.history.slice()
        history.push({ at, action: "activate", storePath, mode: event.mode, ...(event.generation === null ? {} : { generation: event.generation }) })
        if (event.generation === null) {
          current = { ...current, history }
          return
        }
        generations ??= current.generations.slice()
        generations.push({ number: event.generation, storePath, mode: event.mode, at })
        current = { ...current, currentGeneration: event.generation, generations, history }
        return
      }
      case "ConfigurationRolledBack":
        if (current === undefined) return
        history ??= current.history.slice()
        history.push({ at, action: "rollback", storePath: StorePath.format(event.storePath), generation: event.to, from: event.from })
        current = { ...current, currentGeneration: event.to, history }
        return
      default:
        return
    }
  })
  return current === undefined ? view : Option.some(current)
}

/** The configurations read model, keyed by configuration stream id (`Configuration.aggregateId`). */
export const projection: Projection.Projection<ConfigurationView, StoredConfigurationView, DomainEvent.Encoded> = {
  name: "configurations",
  version: 1,
  document: ConfigurationView,
  keys: (_, envelope) => (envelope.aggregateType === Configuration.aggregateType ? [envelope.aggregateId] : []),
  apply: (view, events, envelopes) => apply(view, events, envelopes)
}
