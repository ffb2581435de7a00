/**
 * A projection: a read model built by a pure projector. The read model is a set of documents
 * keyed by string; for each event the projection names the keys it changes, and `apply` computes
 * each changed document from its previous value: `(document, event) -> document`, no I/O.
 * `ProjectionRunner` feeds events, loads and stores documents and keeps the checkpoint.
 */
import type { ParseResult, Schema } from "effect"
import { Effect, Either, Option } from "effect"
import { Codec } from "@cim-nix/domain"
import type { EventEnvelope } from "@cim-nix/domain"
import { StoreUnavailable } from "../ports/EventStore.js"
import * as ProjectionStore from "./ProjectionStore.js"

/** A projection over events decoded as `Event`, with documents of type `Doc`. */
export interface Projection<Doc, Event> {
  /** The read model's name in the projection store, e.g. `"flakes"`. */
  readonly name: string
  /** Bump it when `apply` or the document's shape changes: the runner then rebuilds the read model from position 1. */
  readonly version: number
  /** The JSON form of a document. */
  readonly document: Schema.Schema<Doc, any>
  /** The keys of the documents `event` changes; none for events the projection ignores. */
  readonly keys: (event: Event, envelope: EventEnvelope.EventEnvelope) => ReadonlyArray<string>
  /** The document at `key` after `event`, from the one before (`None`: none yet); `None` removes it. */
  readonly apply: (
    document: Option.Option<Doc>,
    event: Event,
    envelope: EventEnvelope.EventEnvelope,
    key: string
  ) => Option.Option<Doc>
}

/** A projection whose document type is not known statically (the runner's view). */
export type Any<Event> = Projection<any, Event>

/** A projection's compiled document decoder and encoder. */
interface Codecs {
  readonly decode: (json: unknown) => Either.Either<unknown, ParseResult.ParseError>
  readonly encode: (document: unknown) => Either.Either<unknown, ParseResult.ParseError>
}

const codecs = new WeakMap<Schema.Schema<any, any>, Codecs>()

/** The codecs of a document schema, compiled once (they are used for every document of every run). */
const codecsOf = (document: Schema.Schema<any, any>): Codecs => {
  let known = codecs.get(document)
  if (known === undefined) {
    known = { decode: Codec.decoder(document), encode: Codec.encoder(document) }
    codecs.set(document, known)
  }
  return known
}

/** Decodes a stored document of `projection`; a document that does not decode is a broken store. */
export const decodeDocument = <Doc, Event>(
  projection: Projection<Doc, Event>,
  key: string,
  json: unknown
): Either.Either<Doc, StoreUnavailable> =>
  Either.mapLeft(codecsOf(projection.document).decode(json) as Either.Either<Doc, ParseResult.ParseError>, (error) =>
    new StoreUnavailable({
      store: "projections",
      operation: "read",
      message: `document ${JSON.stringify(key)} of read model ${projection.name} does not decode: ${error.message}`,
      hint: "The read model was changed outside cim-nix or by another version: rebuild the read models.",
      transient: false
    }))

/** Encodes a document of `projection` for the store; a document that does not encode is a bug in its projector (a defect). */
export const encodeDocument = <Doc, Event>(projection: Projection<Doc, Event>, document: Doc): unknown =>
  Either.getOrThrowWith(codecsOf(projection.document).encode(document), (error) => error)

/** The document of `projection` at `key`, if any. */
export const find = <Doc, Event>(
  projection: Projection<Doc, Event>,
  key: string
): Effect.Effect<Option.Option<Doc>, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.flatMap(ProjectionStore.ProjectionStore, (store) =>
    Effect.flatMap(store.get(projection.name, [key]), (found) =>
      found.has(key)
        ? Effect.map(decodeDocument(projection, key, found.get(key)), Option.some)
        : Effect.succeed(Option.none())))
