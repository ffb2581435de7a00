/**
 * Every event of the domain as one Schema, keyed by `_tag` (the envelope's `type`), with the
 * aggregate type and payload schema version of each event type. Event stores and projections
 * read stored envelopes back into typed events with `fromEnvelope`.
 */
import { Either, ParseResult, Schema } from "effect"
import * as Configuration from "./Configuration.js"
import { ParseError } from "./Errors.js"
import { fastChecker, fastDecoder } from "./internal/fastDecoder.js"
import * as Evaluation from "./Evaluation.js"
import * as Flake from "./Flake.js"
import * as GarbageCollection from "./GarbageCollection.js"
import * as Module from "./Module.js"
import * as Overlay from "./Overlay.js"
import * as Package from "./Package.js"

/** Any event of the domain. */
export const DomainEvent = Schema.Union(
  Flake.Event,
  Package.Event,
  Module.Event,
  Overlay.Event,
  Configuration.Event,
  Evaluation.Event,
  GarbageCollection.Event
)
export type DomainEvent = typeof DomainEvent.Type

/** Any event of the domain in its JSON form (as stored), with its `_tag`. */
export type Encoded = typeof DomainEvent.Encoded

/** The name of an event type, e.g. `"FlakeCreated"`. */
export type EventType = DomainEvent["_tag"]

/** Where an event type lives and which payload version this program writes and reads. */
export interface EventTypeInfo {
  readonly aggregateType: string
  readonly schemaVersion: number
}

const aggregates = [
  Flake.aggregate,
  Package.aggregate,
  Module.aggregate,
  Overlay.aggregate,
  Configuration.aggregate,
  Evaluation.aggregate,
  GarbageCollection.aggregate
] as const

/** Every event type with its aggregate type and schema version. */
export const eventTypes: { readonly [K in EventType]: EventTypeInfo } = Object.fromEntries(
  aggregates.flatMap(({ aggregateType, schemaVersions }) =>
    Object.entries<number>(schemaVersions).map(([type, schemaVersion]) => [type, { aggregateType, schemaVersion }])
  )
) as { readonly [K in EventType]: EventTypeInfo }

/** True when `type` is an event type of this domain. */
export const isEventType = (type: string): type is EventType => Object.hasOwn(eventTypes, type)

/** The parts of a stored envelope that `fromEnvelope` reads. */
export interface StoredEvent {
  readonly type: string
  readonly aggregateType: string
  readonly schemaVersion: number
  readonly payload: unknown
}

const payloadOptions = { onExcessProperty: "error" } as const
const decodePayload = fastDecoder(DomainEvent, payloadOptions, ParseResult.decodeUnknownEither(DomainEvent, payloadOptions))
const checkPayload = fastChecker(DomainEvent, payloadOptions, ParseResult.decodeUnknownEither(DomainEvent, payloadOptions))

/**
 * Reads a stored envelope (`EventEnvelope` or `NewEvent`) back into a typed event: the type
 * must be known, belong to the envelope's aggregate type and have the schema version this
 * program reads, and the payload must decode. Synchronous (an `Either` is also an `Effect`), so
 * that replays decode many events cheaply.
 */
export const fromEnvelope = (envelope: StoredEvent): Either.Either<DomainEvent, ParseError> => read(envelope, decodePayload)

/**
 * Checks a stored envelope as `fromEnvelope` does, with the same errors, without decoding it:
 * the payload in its JSON form with the event's `_tag`, for readers of the JSON form (projectors
 * on replay), at a fraction of the cost of building the typed event.
 */
export const checkEnvelope = (envelope: StoredEvent): Either.Either<Encoded, ParseError> => read(envelope, checkPayload)

const read = <A>(
  envelope: StoredEvent,
  parsePayload: (input: unknown) => Either.Either<A, ParseResult.ParseIssue>
): Either.Either<A, ParseError> => {
  const fail = (message: string, hint: string) =>
    Either.left(
      new ParseError({
        kind: "DomainEvent",
        input: `${envelope.type} ${JSON.stringify(envelope.payload) ?? String(envelope.payload)}`,
        position: 0,
        message,
        hint
      })
    )
  const { type } = envelope
  if (!isEventType(type)) {
    return fail(
      `unknown event type ${JSON.stringify(type)}`,
      "The event was written by another program or a newer version of this one: upgrade, or leave such events to the program that wrote them."
    )
  }
  const info = eventTypes[type]
  if (envelope.aggregateType !== info.aggregateType) {
    return fail(
      `event ${type} belongs to ${info.aggregateType} streams, not to ${JSON.stringify(envelope.aggregateType)}`,
      "The envelope's aggregateType does not match its type: the event was stored under the wrong stream."
    )
  }
  if (envelope.schemaVersion !== info.schemaVersion) {
    return fail(
      `event ${type} has payload schema version ${envelope.schemaVersion}, this program reads version ${info.schemaVersion}`,
      envelope.schemaVersion > info.schemaVersion
        ? "A newer version of this program wrote the event: upgrade to read it."
        : "No upgrade from that version is known: the event store holds events this program never wrote."
    )
  }
  const { payload } = envelope
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return fail(`the payload of event ${type} is not an object`, "A payload is the object of the event's fields; the store returned something else.")
  }
  const decoded = parsePayload({ ...payload, _tag: type })
  return Either.isRight(decoded) ? Either.right(decoded.right) : fail(
    `the payload of event ${type} does not match its schema: ${ParseResult.TreeFormatter.formatIssueSync(decoded.left)}`,
    "The stored payload was changed or written by a program that does not follow this schema version."
  )
}
