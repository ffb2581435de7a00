/**
 * A projection: a read model built by a pure projector. The read model is a set of documents
 * keyed by string; for each event the projection names the keys it changes, and `apply` computes
 * each changed document from its previous value: `(document, event) -> document`, no I/O.
 * `ProjectionRunner` feeds events, loads and stores documents and keeps the checkpoint.
 */
import type { Option, Schema } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"

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
