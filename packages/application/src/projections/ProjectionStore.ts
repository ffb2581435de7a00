/**
 * The projection store port: where read models live. A read model is a set of JSON documents
 * keyed by string, plus a checkpoint (the position of the last event applied and the version of
 * the projector that applied it). Documents and checkpoints of one batch are written together,
 * atomically, so a read model never runs ahead of or behind its checkpoint.
 * Implemented in memory (the testing entry) and on SQLite (the embedded setup).
 */
import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { StoreUnavailable } from "../ports/EventStore.js"

/** Where a projection stands. */
export interface Checkpoint {
  /** The position of the last event applied (0: none). */
  readonly position: number
  /** The version of the projector that built the documents. */
  readonly version: number
}

/** One projection's share of a commit. */
export interface Commit {
  readonly projection: string
  readonly checkpoint: Checkpoint
  /** Documents to write, as JSON values, by key; `undefined` removes the document. */
  readonly documents: ReadonlyMap<string, unknown>
}

/** The projection store. */
export interface Service {
  /** A projection's checkpoint, `None` when it has none (never run, or reset). */
  readonly checkpoint: (projection: string) => Effect.Effect<Option.Option<Checkpoint>, StoreUnavailable>
  /** The documents stored at `keys` (missing keys are absent from the result). */
  readonly get: (
    projection: string,
    keys: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, unknown>, StoreUnavailable>
  /** Up to `limit` (default 1,000) documents with a key greater than `after`, in key order. */
  readonly list: (
    projection: string,
    options?: { readonly after?: string | undefined; readonly limit?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<readonly [key: string, document: unknown]>, StoreUnavailable>
  /** Writes the documents and checkpoints of several projections, all or nothing. */
  readonly commit: (commits: ReadonlyArray<Commit>) => Effect.Effect<void, StoreUnavailable>
  /** Removes a projection's documents and checkpoint. */
  readonly reset: (projection: string) => Effect.Effect<void, StoreUnavailable>
}

/** The projection store port. */
export class ProjectionStore extends Context.Tag("@cim-nix/application/ProjectionStore")<ProjectionStore, Service>() {}

/** The default page size of `list`. */
export const defaultListLimit = 1000
