/**
 * A projection: a read model built by a pure projector. The read model is a set of documents
 * keyed by string; for each event the projection names the keys it changes, and `apply` computes
 * each changed document from its previous value and the events that change it:
 * `(document, events) -> document`, no I/O. Applying events in one call or split over several
 * gives the same document, so the runner hands a projector all of a page's events for a key at
 * once, and a projector can build its document once per page instead of once per event.
 * Projectors read events and write documents in their JSON form, as the stores keep them, so
 * that a replay builds no typed values; queries read documents decoded (`find`).
 * `ProjectionRunner` feeds events, loads and stores documents and keeps the checkpoint.
 */
import type { ParseResult, Schema } from "effect"
import { Effect, Either, Option } from "effect"
import { Codec } from "@cim-nix/domain"
import type { EventEnvelope } from "@cim-nix/domain"
import { StoreUnavailable } from "../ports/EventStore.js"
import * as ProjectionStore from "./ProjectionStore.js"

/** A stored event's envelope in its JSON form (`occurredAt` as ISO 8601 text), as projectors read it. */
export type Envelope = EventEnvelope.Encoded

/**
 * A projection over events of type `Event`, with documents that queries read as `View` and the
 * projector builds and the store keeps as `Stored` (the JSON form of `View`).
 */
export interface Projection<View, Stored, Event> {
  /** The read model's name in the projection store, e.g. `"flakes"`. */
  readonly name: string
  /** Bump it when `apply` or the document's shape changes: the runner then rebuilds the read model from position 1. */
  readonly version: number
  /** A document, from its JSON form. */
  readonly document: Schema.Schema<View, Stored>
  /** The keys of the documents `event` changes; none for events the projection ignores. */
  readonly keys: (event: Event, envelope: Envelope) => ReadonlyArray<string>
  /**
   * The document at `key` after `events` (in position order, with their `envelopes`), from the
   * one before (`None`: none yet); `None` removes it.
   */
  readonly apply: (
    document: Option.Option<Stored>,
    events: ReadonlyArray<Event>,
    envelopes: ReadonlyArray<Envelope>,
    key: string
  ) => Option.Option<Stored>
}

/** The `apply` of a projector that computes its document one event at a time. */
export const eachEvent = <Stored, Event>(
  step: (document: Option.Option<Stored>, event: Event, envelope: Envelope, key: string) => Option.Option<Stored>
): Projection<unknown, Stored, Event>["apply"] =>
(document, events, envelopes, key) => {
  let current = document
  for (let i = 0; i < events.length; i++) current = step(current, events[i]!, envelopes[i]!, key)
  return current
}

/** A projection whose document types are not known statically (the runner's view). */
export type Any<Event> = Projection<any, any, Event>

/** A projection's compiled document decoder and checker. */
interface Codecs {
  readonly decode: (json: unknown) => Either.Either<unknown, ParseResult.ParseError>
  readonly check: (json: unknown) => Either.Either<unknown, ParseResult.ParseError>
}

const codecs = new WeakMap<Schema.Schema<any, any>, Codecs>()

/** The codecs of a document schema, compiled once (they are used for every document of every run). */
const codecsOf = (document: Schema.Schema<any, any>): Codecs => {
  let known = codecs.get(document)
  if (known === undefined) {
    known = { decode: Codec.decoder(document), check: Codec.checker(document) }
    codecs.set(document, known)
  }
  return known
}

/** A stored document's `result` (decoded or checked); one that does not decode is a broken store. */
const readDocument = <A>(
  name: string,
  key: string,
  result: Either.Either<unknown, ParseResult.ParseError>
): Either.Either<A, StoreUnavailable> =>
  Either.mapLeft(result as Either.Either<A, ParseResult.ParseError>, (error) =>
    new StoreUnavailable({
      store: "projections",
      operation: "read",
      message: `document ${JSON.stringify(key)} of read model ${name} does not decode: ${error.message}`,
      hint: "The read model was changed outside cim-nix or by another version: rebuild the read models.",
      transient: false
    }))

/** Decodes a stored document of `projection` for a query. */
export const decodeDocument = <View, Stored, Event>(
  projection: Projection<View, Stored, Event>,
  key: string,
  json: unknown
): Either.Either<View, StoreUnavailable> => readDocument(projection.name, key, codecsOf(projection.document).decode(json))

/** Checks a stored document of `projection` before its projector reads it, as `decodeDocument` would decode it. */
export const checkDocument = <View, Stored, Event>(
  projection: Projection<View, Stored, Event>,
  key: string,
  json: unknown
): Either.Either<Stored, StoreUnavailable> => readDocument(projection.name, key, codecsOf(projection.document).check(json))

/**
 * A document `projection`'s projector built, checked before it is stored: one that does not
 * decode is a bug in the projector (a defect, the schema's `ParseError`).
 */
export const checkBuilt = <View, Stored, Event>(projection: Projection<View, Stored, Event>, document: Stored): Stored =>
  Either.getOrThrowWith(codecsOf(projection.document).check(document) as Either.Either<Stored, ParseResult.ParseError>, (error) => error)

/** The document of `projection` at `key`, if any. */
export const find = <View, Stored, Event>(
  projection: Projection<View, Stored, Event>,
  key: string
): Effect.Effect<Option.Option<View>, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.flatMap(ProjectionStore.ProjectionStore, (store) =>
    Effect.flatMap(store.get(projection.name, [key]), (found) =>
      found.has(key)
        ? Effect.map(decodeDocument(projection, key, found.get(key)), Option.some)
        : Effect.succeed(Option.none())))
