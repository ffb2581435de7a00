/**
 * The envelope of every stored event (ARCHITECTURE.md): ids, stream coordinates, time,
 * correlation/causation and the payload. The domain never makes ids or reads clocks: a
 * `Metadata` value (message id, time) is handed in by the application layer.
 */
import { Schema } from "effect"
import * as Codec from "./Codec.js"

/** A UUID of version 7 (time-ordered), in canonical lower-case form. */
export const EventId = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
  Schema.brand("EventId")
)
export type EventId = typeof EventId.Type

/** Version of a stream: 1 for the first event, contiguous. "No stream" is version 0. */
export const StreamVersion = Schema.Int.pipe(Schema.nonNegative())

/** An event as the writer hands it to the store: the store assigns `version` and `position`. */
export const NewEvent = Schema.Struct({
  eventId: EventId,
  type: Schema.String,
  aggregateType: Schema.String,
  aggregateId: Schema.String,
  occurredAt: Schema.DateTimeUtc,
  correlationId: Schema.String,
  causationId: Schema.String,
  schemaVersion: Schema.Int.pipe(Schema.positive()),
  payload: Schema.Unknown
})
export type NewEvent = typeof NewEvent.Type

/** A stored event: a `NewEvent` with its per-stream `version` (from 1) and global `position` (from 1). */
export const EventEnvelope = Schema.Struct({
  ...NewEvent.fields,
  version: Schema.Int.pipe(Schema.positive()),
  position: Schema.Int.pipe(Schema.positive())
})
export type EventEnvelope = typeof EventEnvelope.Type

/** A stored event in its JSON form (`occurredAt` as ISO 8601 text), as stores keep it. */
export type Encoded = typeof EventEnvelope.Encoded

/** Decodes a `NewEvent` as `Schema.decodeUnknownEither` does, compiled for valid input (stores read many). */
export const decodeNew = Codec.decoder(NewEvent)

/** Decodes an `EventEnvelope` as `Schema.decodeUnknownEither` does, compiled for valid input (replays read many). */
export const decode = Codec.decoder(EventEnvelope)

/** Checks a `NewEvent` in its JSON form as `decodeNew` would decode it, returning it unchanged (readers of the JSON form). */
export const checkNew = Codec.checker(NewEvent)

/** Checks an `EventEnvelope` in its JSON form as `decode` would decode it, returning it unchanged (readers of the JSON form). */
export const check = Codec.checker(EventEnvelope)

/** Encodes an `EventEnvelope` into its JSON form, compiled. */
export const encode = Codec.encoder(EventEnvelope)

/** Encodes a `NewEvent` as `Schema.encodeUnknownEither` does, compiled for valid values (stores write many). */
export const encodeNew = Codec.encoder(NewEvent)

/** Correlation and causation of a message. */
export interface Causality {
  readonly correlationId: string
  readonly causationId: string
}

/** A root command starts a conversation: its correlation and causation are its own message id. */
export const root = (messageId: string): Causality => ({ correlationId: messageId, causationId: messageId })

/** Anything caused by `cause` keeps its correlation and points its causation at the cause's id. */
export const causedBy = (cause: { readonly correlationId: string; readonly id: string }): Causality => ({
  correlationId: cause.correlationId,
  causationId: cause.id
})
