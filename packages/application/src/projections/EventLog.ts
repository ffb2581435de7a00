/**
 * The event log read model: one entry per stored event, without its payload, keyed by its
 * position (zero-padded, so that key order is position order). `ListEvents` filters it by
 * aggregate, event type and correlation id.
 */
import { Option, Schema } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import type { Projection } from "./Projection.js"

/** An event as the log shows it. */
export const Entry = Schema.Struct({
  position: Schema.Number,
  eventId: Schema.String,
  type: Schema.String,
  aggregateType: Schema.String,
  aggregateId: Schema.String,
  version: Schema.Number,
  occurredAt: Schema.DateTimeUtc,
  correlationId: Schema.String,
  causationId: Schema.String
})
export type Entry = typeof Entry.Type

/** The key of the entry at `position`. */
export const key = (position: number): string => String(position).padStart(16, "0")

/** The event log read model, over any event type. */
export const projection: Projection<Entry, unknown> = {
  name: "event-log",
  version: 1,
  document: Entry,
  appendOnly: true,
  keys: (_, envelope) => [key(envelope.position)],
  apply: (_, __, e: EventEnvelope.EventEnvelope) =>
    Option.some({
      position: e.position,
      eventId: e.eventId,
      type: e.type,
      aggregateType: e.aggregateType,
      aggregateId: e.aggregateId,
      version: e.version,
      occurredAt: e.occurredAt,
      correlationId: e.correlationId,
      causationId: e.causationId
    })
}
