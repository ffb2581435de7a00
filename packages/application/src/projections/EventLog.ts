/**
 * The event log read model: every stored event without its payload, in position order. Entries
 * are kept in blocks of `blockSize` consecutive positions, one document per block keyed by its
 * number (zero-padded, so that key order is position order), each entry as a row of values
 * (`Row`): a replay writes a few hundred documents instead of one per event. `ListEvents`
 * filters it by aggregate, event type and correlation id.
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

/**
 * An entry as a block stores it: `Entry`'s fields in its order, without their names, which
 * would be about half of the log's text.
 */
export const Row = Schema.Tuple(
  Entry.fields.position,
  Entry.fields.eventId,
  Entry.fields.type,
  Entry.fields.aggregateType,
  Entry.fields.aggregateId,
  Entry.fields.version,
  Entry.fields.occurredAt,
  Entry.fields.correlationId,
  Entry.fields.causationId
)
export type Row = typeof Row.Type

/** The entries of one block, in position order. */
export const Block = Schema.Array(Row)
export type Block = typeof Block.Type
/** A block in its JSON form. */
export type StoredBlock = typeof Block.Encoded

/** Positions per block. */
export const blockSize = 128

/** The key of the block holding `position`. */
export const key = (position: number): string => String(Math.floor((position - 1) / blockSize)).padStart(12, "0")

/** The entry of a row. */
export const entry = ([position, eventId, type, aggregateType, aggregateId, version, occurredAt, correlationId, causationId]: Row): Entry => ({
  position,
  eventId,
  type,
  aggregateType,
  aggregateId,
  version,
  occurredAt,
  correlationId,
  causationId
})

const row = (e: Projection.Envelope): typeof Row.Encoded => [
  e.position,
  e.eventId,
  e.type,
  e.aggregateType,
  e.aggregateId,
  e.version,
  e.occurredAt,
  e.correlationId,
  e.causationId
]

/** The event log read model, over any event type. */
export const projection: Projection.Projection<Block, StoredBlock, unknown> = {
  name: "event-log",
  version: 3,
  document: Block,
  keys: (_, envelope) => [key(envelope.position)],
  apply: (block, _, envelopes) => Option.some([...Option.getOrElse(block, (): StoredBlock => []), ...envelopes.map(row)])
}
