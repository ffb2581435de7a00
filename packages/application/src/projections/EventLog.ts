/**
 * The event log read model: every stored event without its payload, in position order. Entries
 * are kept in blocks of `blockSize` consecutive positions, one document per block keyed by its
 * number (zero-padded, so that key order is position order): a replay writes a few hundred
 * documents instead of one per event. `ListEvents` filters it by aggregate, event type and
 * correlation id.
 */
import { Option, Schema } from "effect"
import type * as Projection from "./Projection.js"

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
/** An entry in its JSON form, as the projector builds it. */
export type StoredEntry = typeof Entry.Encoded

/** The entries of one block, in position order. */
export const Block = Schema.Array(Entry)
export type Block = typeof Block.Type
/** A block in its JSON form. */
export type StoredBlock = typeof Block.Encoded

/** Positions per block. */
export const blockSize = 128

/** The key of the block holding `position`. */
export const key = (position: number): string => String(Math.floor((position - 1) / blockSize)).padStart(12, "0")

const entry = (e: Projection.Envelope): StoredEntry => ({
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

/** The event log read model, over any event type. */
export const projection: Projection.Projection<Block, StoredBlock, unknown> = {
  name: "event-log",
  version: 2,
  document: Block,
  keys: (_, envelope) => [key(envelope.position)],
  apply: (block, _, envelopes) => Option.some([...Option.getOrElse(block, (): StoredBlock => []), ...envelopes.map(entry)])
}
