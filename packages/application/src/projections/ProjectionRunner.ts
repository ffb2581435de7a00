/**
 * Runs projections: reads the events after their checkpoints from the `EventStore`, decodes each
 * once, applies the pure projectors batch by batch, and writes each batch's changed documents
 * together with the new checkpoints in one `ProjectionStore` commit. A run keeps the documents it
 * decoded in memory, so a document is read and decoded once per run, not once per batch. A projection whose stored
 * version differs from its code's is dropped and rebuilt from position 1. A corrupt event stops
 * the run: the events before it are applied and committed, it and those after it are not; it is
 * never skipped silently.
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
  /** Events per batch, that is per commit (default 5,000). */
  readonly batchSize?: number | undefined
}

/** Why a run stops. */
export type RunError = EventStore.ReadError

const defaultBatchSize = 5000

/** Decoded documents a run keeps between batches, per projection; dropped past this many. */
const cacheLimit = 20_000

/** Where a run stands: each projection's position and the documents it has decoded so far. */
interface Run {
  readonly positions: Map<string, number>
  readonly documents: Map<string, Map<string, Option.Option<unknown>>>
}

/** The checkpoint each projection resumes after; drops projections built by another version. */
const resume = <Event>(config: Config<Event>) =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const run: Run = { positions: new Map(), documents: new Map() }
    for (const projection of config.projections) {
      const checkpoint = yield* store.checkpoint(projection.name)
      if (Option.isSome(checkpoint) && checkpoint.value.version === projection.version) {
        run.positions.set(projection.name, checkpoint.value.position)
      } else {
        if (Option.isSome(checkpoint)) yield* store.reset(projection.name)
        run.positions.set(projection.name, 0)
      }
      run.documents.set(projection.name, new Map())
    }
    return run
  })

const lowest = (run: Run) => (run.positions.size === 0 ? 0 : Math.min(...run.positions.values()))

/** Applies one batch of events (in position order) and commits documents and checkpoints together. */
const applyBatch = <Event>(config: Config<Event>, run: Run, batch: ReadonlyArray<EventEnvelope.EventEnvelope>) =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const from = lowest(run)
    const fresh = batch.filter((e) => e.position > from)
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
      const after = run.positions.get(projection.name)!
      const documents = run.documents.get(projection.name)!
      const changes: Array<readonly [index: number, keys: ReadonlyArray<string>]> = []
      for (let i = 0; i < envelopes.length; i++) {
        if (envelopes[i]!.position > after) changes.push([i, projection.keys(events[i]!, envelopes[i]!)])
      }
      const missing = Array.from(new Set(changes.flatMap(([, keys]) => keys))).filter((key) => !documents.has(key))
      yield* loadDocuments(store, projection, missing, documents)
      const dirty = new Set<string>()
      for (const [i, keys] of changes) {
        for (const key of keys) {
          documents.set(key, projection.apply(documents.get(key) as Option.Option<unknown>, events[i]!, envelopes[i]!, key))
          dirty.add(key)
        }
      }
      const encode = Schema.encodeSync(projection.document)
      commits.push({
        projection: projection.name,
        checkpoint: { position: last, version: projection.version },
        documents: new Map(Array.from(dirty, (key) => {
          const doc = documents.get(key)!
          return [key, Option.isSome(doc) ? encode(doc.value) : undefined] as const
        }))
      })
    }
    yield* store.commit(commits)
    for (const projection of config.projections) {
      run.positions.set(projection.name, last)
      const documents = run.documents.get(projection.name)!
      if (documents.size > cacheLimit) documents.clear()
    }
    return yield* Option.match(corrupt, { onNone: () => Effect.void, onSome: Effect.fail })
  })

/** Loads and decodes the stored documents at `keys` into `documents` (`None` for the missing ones). */
const loadDocuments = <Doc, Event>(
  store: ProjectionStore.Service,
  projection: Projection.Projection<Doc, Event>,
  keys: ReadonlyArray<string>,
  documents: Map<string, Option.Option<unknown>>
) =>
  Effect.gen(function* () {
    if (keys.length === 0) return
    const stored = yield* store.get(projection.name, keys)
    for (const key of keys) {
      documents.set(
        key,
        stored.has(key) ? Option.some(yield* Projection.decodeDocument(projection, key, stored.get(key))) : Option.none()
      )
    }
  })

/** Applies every event after the checkpoints up to the end of the store; returns the position reached. */
export const catchUp = <Event>(
  config: Config<Event>
): Effect.Effect<number, RunError, EventStore.EventStore | ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const events = yield* EventStore.EventStore
    const run = yield* resume(config)
    const batchSize = config.batchSize ?? defaultBatchSize
    yield* events.readAll({ fromPosition: lowest(run) + 1, batchSize }).pipe(
      Stream.rechunk(batchSize),
      Stream.runForEachChunk((chunk) => applyBatch(config, run, Chunk.toReadonlyArray(chunk)))
    )
    return lowest(run)
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
    const run = yield* resume(config)
    yield* events.subscribe({ fromPosition: lowest(run) + 1 }).pipe(
      Stream.groupedWithin(config.batchSize ?? defaultBatchSize, options.maxDelay ?? Duration.millis(50)),
      Stream.runForEach((chunk) => applyBatch(config, run, Chunk.toReadonlyArray(chunk)))
    )
    return yield* Effect.never
  })
