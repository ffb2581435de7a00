/**
 * The flakes read model: one document per flake (keyed by its path) with its description, its
 * inputs (references as text), their locks, the last lock update and the last `nix flake check`.
 */
import { Option, Schema } from "effect"
import type { DomainEvent } from "@cim-nix/domain"
import { Flake, FlakeRef } from "@cim-nix/domain"
import * as Projection from "./Projection.js"

/** An input as `flake.nix` declares it, its reference as text. */
export const Input = Schema.Struct({
  ref: Schema.optional(Schema.String),
  follows: Schema.optional(Schema.String),
  overrides: Schema.Record({ key: Schema.String, value: Schema.String }),
  flake: Schema.Boolean
})
export type Input = typeof Input.Type

/** A flake as the read model shows it. */
export const FlakeView = Schema.Struct({
  path: Schema.String,
  description: Schema.String,
  inputs: Schema.Record({ key: Schema.String, value: Input }),
  locks: Schema.Record({ key: Schema.String, value: Flake.Locked }),
  /** The last `nix flake update`/`lock`: when, and the inputs whose lock changed. */
  lastLockUpdate: Schema.optional(Schema.Struct({ at: Schema.DateTimeUtc, changed: Schema.Array(Schema.String) })),
  /** The last `nix flake check`: when, and its outcome. */
  lastCheck: Schema.optional(Schema.Struct({ at: Schema.DateTimeUtc, ...Flake.CheckResult.fields })),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc
})
export type FlakeView = typeof FlakeView.Type
/** A flake in its JSON form, as the projector builds it. */
export type StoredFlakeView = typeof FlakeView.Encoded

const input = (i: typeof Flake.FlakeInput.Encoded): Input => ({
  ...(i.ref === undefined ? {} : { ref: FlakeRef.format(i.ref) }),
  ...(i.follows === undefined ? {} : { follows: i.follows }),
  overrides: i.overrides,
  flake: i.flake
})

const without = <V>(record: { readonly [key: string]: V }, key: string) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))

const sameLock = (a: typeof Flake.Locked.Encoded | null, b: typeof Flake.Locked.Encoded) =>
  a !== null && a.rev === b.rev && a.narHash === b.narHash && a.lastModified === b.lastModified

/** The projector of the flakes read model, one event at a time. */
export const applyEvent = (
  view: Option.Option<StoredFlakeView>,
  event: DomainEvent.Encoded,
  envelope: Projection.Envelope
): Option.Option<StoredFlakeView> => {
  const at = envelope.occurredAt
  if (event._tag === "FlakeCreated" || event._tag === "FlakeAdopted") {
    return Option.some({
      path: event.path,
      description: event.description,
      inputs: Object.fromEntries(Object.entries(event.inputs).map(([name, i]) => [name, input(i)])),
      locks: {},
      createdAt: at,
      updatedAt: at
    })
  }
  return Option.map(view, (flake): StoredFlakeView => {
    switch (event._tag) {
      case "FlakeUpdated":
        return {
          ...flake,
          locks: { ...flake.locks, ...Object.fromEntries(event.changes.map((c) => [c.input, c.after])) },
          lastLockUpdate: { at, changed: event.changes.filter((c) => !sameLock(c.before, c.after)).map((c) => c.input) },
          updatedAt: at
        }
      case "FlakeInputAdded":
        return { ...flake, inputs: { ...flake.inputs, [event.name]: input(event.input) }, updatedAt: at }
      case "FlakeInputRemoved":
        return { ...flake, inputs: without(flake.inputs, event.name), locks: without(flake.locks, event.name), updatedAt: at }
      case "FlakeChecked":
        return { ...flake, lastCheck: { at, passed: event.passed, failed: event.failed }, updatedAt: at }
      default:
        return flake
    }
  })
}

/** The flakes read model, keyed by flake path. */
export const projection: Projection.Projection<FlakeView, StoredFlakeView, DomainEvent.Encoded> = {
  name: "flakes",
  version: 1,
  document: FlakeView,
  keys: (_, envelope) => (envelope.aggregateType === Flake.aggregateType ? [envelope.aggregateId] : []),
  apply: Projection.eachEvent(applyEvent)
}
