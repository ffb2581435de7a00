/**
 * Runs projections: reads the events after their checkpoints from the `EventStore`, decodes each
 * once, applies the pure projectors batch by batch, and writes each batch's changed documents
 * together with the new checkpoints in one `ProjectionStore` commit. A projection whose stored
 * version differs from its code's is dropped and rebuilt from position 1. A corrupt event stops
 * the run (nothing after it is applied, the checkpoints stay before it): never skipped silently.
 */
import { Chunk, Duration, Effect, Either, Option, Schema, Stream } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import * as EventStore from "../ports/EventStore.js"
import * as Projection from "./Projection.js"
import * as ProjectionStore from "./ProjectionStore.js"

/** What to run. */
export interface Config<Event> {
  readonly projections: ReadonlyArray<Projection.Any<Event>>
  /** Turns a stored envelope into the event the projectors read. */
  readonly decode: (envelope: EventEnvelope.EventEnvelope) => Effect.Effect<Event, EventStore.CorruptEvent>
  /** Events per batch, that is per commit (default 1,000). */
  readonly batchSize?: number | undefined
}

/** Why a run stops. */
export type RunError = EventStore.ReadError

type Positions = Map<string, number>

/** The checkpoint each projection resumes after; drops projections built by another version. */
const resume = <Event>(config: Config<Event>) =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const positions: Positions = new Map()
    for (const projection of config.projections) {
      const checkpoint = yield* store.checkpoint(projection.name)
      if (Option.isSome(checkpoint) && checkpoint.value.version === projection.version) {
        positions.set(projection.name, checkpoint.value.position)
      } else {
        if (Option.isSome(checkpoint)) yield* store.reset(projection.name)
        positions.set(projection.name, 0)
      }
    }
    return positions
  })

const lowest = (positions: Positions) => (positions.size === 0 ? 0 : Math.min(...positions.values()))

/** Applies one batch of events (in position order) and commits documents and checkpoints together. */
const applyBatch = <Event>(config: Config<Event>, positions: Positions, batch: ReadonlyArray<EventEnvelope.EventEnvelope>) =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const fresh = batch.filter((e) => e.position > lowest(positions))
    // Decode up to the first event that does not decode: the ones before it are still applied.
    const events: Array<Event> = []
    let corrupt: Option.Option<EventStore.CorruptEvent> = Option.none()
    for (const envelope of fresh) {
      const decoded = yield* Effect.either(config.decode(envelope))
      if (Either.isLeft(decoded)) {
        corrupt = Option.some(decoded.left)
        break
      }
      events.push(decoded.right)
    }
    const envelopes = fresh.slice(0, events.length)
    if (envelopes.length === 0) return yield* Option.match(corrupt, { onNone: () => Effect.void, onSome: Effect.fail })
    const last = envelopes[envelopes.length - 1]!.position
    const commits: Array<ProjectionStore.Commit> = []
    for (const projection of config.projections) {
      const after = positions.get(projection.name)!
      const changes: Array<readonly [index: number, keys: ReadonlyArray<string>]> = []
      for (let i = 0; i < envelopes.length; i++) {
        if (envelopes[i]!.position > after) changes.push([i, projection.keys(events[i]!, envelopes[i]!)])
      }
      const keys = Array.from(new Set(changes.flatMap(([, keys]) => keys)))
      const documents = yield* loadDocuments(store, projection, keys)
      for (const [i, keys] of changes) {
        for (const key of keys) {
          documents.set(key, projection.apply(documents.get(key) ?? Option.none(), events[i]!, envelopes[i]!, key))
        }
      }
      const encode = Schema.encodeSync(projection.document)
      commits.push({
        projection: projection.name,
        checkpoint: { position: last, version: projection.version },
        documents: new Map(Array.from(documents, ([key, doc]) => [key, Option.isSome(doc) ? encode(doc.value) : undefined]))
      })
    }
    yield* store.commit(commits)
    for (const projection of config.projections) positions.set(projection.name, last)
    return yield* Option.match(corrupt, { onNone: () => Effect.void, onSome: Effect.fail })
  })

const loadDocuments = <Doc, Event>(
  store: ProjectionStore.Service,
  projection: Projection.Projection<Doc, Event>,
  keys: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    const documents = new Map<string, Option.Option<Doc>>()
    if (keys.length === 0) return documents
    const stored = yield* store.get(projection.name, keys)
    for (const [key, json] of stored) {
      documents.set(key, Option.some(yield* Projection.decodeDocument(projection, key, json)))
    }
    return documents
  })

/** Applies every event after the checkpoints up to the end of the store; returns the position reached. */
export const catchUp = <Event>(
  config: Config<Event>
): Effect.Effect<number, RunError, EventStore.EventStore | ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const events = yield* EventStore.EventStore
    const positions = yield* resume(config)
    const batchSize = config.batchSize ?? 1000
    yield* events.readAll({ fromPosition: lowest(positions) + 1, batchSize }).pipe(
      Stream.rechunk(batchSize),
      Stream.runForEachChunk((chunk) => applyBatch(config, positions, Chunk.toReadonlyArray(chunk)))
    )
    return lowest(positions)
  })

/** Drops the read models and builds them again from position 1; returns the position reached. */
export const rebuild = <Event>(
  config: Config<Event>
): Effect.Effect<number, RunError, EventStore.EventStore | ProjectionStore.ProjectionStore> =>
  Effect.flatMap(ProjectionStore.ProjectionStore, (store) =>
    Effect.zipRight(Effect.forEach(config.projections, (p) => store.reset(p.name), { discard: true }), catchUp(config)))

/**
 * Catches up, then keeps applying events as they are appended, committing at most every
 * `batchSize` events or `maxDelay` (default 50 ms) after an event arrives. Runs until interrupted.
 */
export const follow = <Event>(
  config: Config<Event>,
  options: { readonly maxDelay?: Duration.DurationInput | undefined } = {}
): Effect.Effect<never, RunError, EventStore.EventStore | ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const events = yield* EventStore.EventStore
    const positions = yield* resume(config)
    yield* events.subscribe({ fromPosition: lowest(positions) + 1 }).pipe(
      Stream.groupedWithin(config.batchSize ?? 1000, options.maxDelay ?? Duration.millis(50)),
      Stream.runForEach((chunk) => applyBatch(config, positions, Chunk.toReadonlyArray(chunk)))
    )
    return yield* Effect.never
  })
