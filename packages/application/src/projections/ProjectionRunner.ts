/**
 * Runs projections: reads the events after their checkpoints from the `EventStore` page by
 * page in their JSON form (`readAllEncoded`), checks each once (`Config.check`), applies the
 * pure projectors to documents kept in memory in their JSON form, and writes the documents
 * changed since the last commit together with the new checkpoints in one `ProjectionStore`
 * commit every `commitInterval` or `batchSize` events, whichever comes first (and at the end).
 * A document is read and checked once per run, not once per batch, and checked against its
 * schema once per commit. A projection whose stored version differs from its code's is dropped
 * and rebuilt from position 1. A corrupt event stops the run: the events before it are
 * applied and committed, it and those after it are not; it is never skipped silently. (When the
 * store cannot read a page, the run reads on one event at a time to find it.) Whatever else
 * stops a run, what it applied is committed first.
 */
import { Chunk, Clock, Duration, Effect, Either, Option, Stream } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import * as EventStore from "../ports/EventStore.js"
import * as Projection from "./Projection.js"
import * as ProjectionStore from "./ProjectionStore.js"

/** What to run. */
export interface Config<Event> {
  readonly projections: ReadonlyArray<Projection.Any<Event>>
  /** Checks a stored envelope and gives the event the projectors read; `Left` stops the run there. */
  readonly check: (envelope: EventEnvelope.Encoded) => Either.Either<Event, EventStore.CorruptEvent>
  /** The most events per commit (default 100,000); `follow` commits sooner, see there. */
  readonly batchSize?: number | undefined
  /**
   * How long a catch-up or rebuild works before it commits (default 1 second): what an
   * interrupted run loses at most. A document changed by many events is written once per commit.
   */
  readonly commitInterval?: Duration.DurationInput | undefined
}

/** Why a run stops. */
export type RunError = EventStore.ReadError

const defaultBatchSize = 100_000

const defaultCommitInterval = Duration.seconds(1)

/** Events read from the store at a time. */
const pageSize = 5000

/** Documents a run keeps between commits, per projection; dropped past this many. */
const cacheLimit = 20_000

/** Where one projection stands in a run. */
interface Track<Event> {
  readonly projection: Projection.Any<Event>
  /** The position of the last event applied, committed or not. */
  position: number
  /** The position of the stored checkpoint. */
  committed: number
  /** The documents read or written so far, in their JSON form. */
  readonly documents: Map<string, Option.Option<unknown>>
  /** The documents changed since the last commit. */
  readonly changed: Map<string, Option.Option<unknown>>
}

/** The checkpoint each projection resumes after; drops projections built by another version. */
const resume = <Event>(config: Config<Event>) =>
  Effect.forEach(config.projections, (projection) =>
    Effect.gen(function* () {
      const store = yield* ProjectionStore.ProjectionStore
      const checkpoint = yield* store.checkpoint(projection.name)
      const current = Option.isSome(checkpoint) && checkpoint.value.version === projection.version
      if (Option.isSome(checkpoint) && !current) yield* store.reset(projection.name)
      const position = current ? checkpoint.value.position : 0
      const track: Track<Event> = {
        projection,
        position,
        committed: position,
        documents: new Map(),
        changed: new Map()
      }
      return track
    }))

const lowest = <Event>(tracks: ReadonlyArray<Track<Event>>) =>
  tracks.length === 0 ? 0 : Math.min(...tracks.map((t) => t.position))

/** Applies `envelopes` (in position order, read as `events`) to one projection's documents. */
const applyTo = <Event>(
  store: ProjectionStore.Service,
  track: Track<Event>,
  envelopes: ReadonlyArray<Projection.Envelope>,
  events: ReadonlyArray<Event>
) =>
  Effect.gen(function* () {
    const { projection, documents, changed } = track
    // Each key's events, in position order: documents do not depend on each other.
    const byKey = new Map<string, { readonly events: Array<Event>; readonly envelopes: Array<Projection.Envelope> }>()
    for (let i = 0; i < envelopes.length; i++) {
      if (envelopes[i]!.position <= track.position) continue
      for (const key of projection.keys(events[i]!, envelopes[i]!)) {
        let changes = byKey.get(key)
        if (changes === undefined) byKey.set(key, changes = { events: [], envelopes: [] })
        changes.events.push(events[i]!)
        changes.envelopes.push(envelopes[i]!)
      }
    }
    if (byKey.size > 0) {
      yield* loadDocuments(store, projection, Array.from(byKey.keys()).filter((key) => !documents.has(key)), documents)
      for (const [key, changes] of byKey) {
        const document = projection.apply(documents.get(key) as Option.Option<unknown>, changes.events, changes.envelopes, key)
        documents.set(key, document)
        changed.set(key, document)
      }
    }
    track.position = Math.max(track.position, envelopes[envelopes.length - 1]!.position)
  })

/** Writes every projection's changed documents and checkpoint in one commit. */
const commit = <Event>(store: ProjectionStore.Service, tracks: ReadonlyArray<Track<Event>>) =>
  Effect.gen(function* () {
    const moved = tracks.filter((t) => t.position > t.committed)
    if (moved.length === 0) return
    yield* store.commit(moved.map((t): ProjectionStore.Commit => ({
      projection: t.projection.name,
      checkpoint: { position: t.position, version: t.projection.version },
      documents: new Map(Array.from(t.changed, ([key, doc]) => [key, Option.isSome(doc) ? Projection.checkBuilt(t.projection, doc.value) : undefined] as const))
    })))
    for (const t of moved) {
      t.committed = t.position
      t.changed.clear()
      if (t.documents.size > cacheLimit) t.documents.clear()
    }
  })

/**
 * Checks `batch` up to its first corrupt event and applies the events before it; returns that
 * event's error, if any (the events before it are applied, not yet committed).
 */
const applyBatch = <Event>(
  config: Config<Event>,
  store: ProjectionStore.Service,
  tracks: ReadonlyArray<Track<Event>>,
  batch: ReadonlyArray<EventEnvelope.Encoded>
) =>
  Effect.gen(function* () {
    const from = lowest(tracks)
    const envelopes: Array<Projection.Envelope> = []
    const events: Array<Event> = []
    let corrupt = Option.none<EventStore.CorruptEvent>()
    for (const envelope of batch) {
      if (envelope.position <= from) continue
      const checked = config.check(envelope)
      if (Either.isLeft(checked)) {
        corrupt = Option.some(checked.left)
        break
      }
      envelopes.push(envelope)
      events.push(checked.right)
    }
    if (envelopes.length > 0) {
      for (const track of tracks) yield* applyTo(store, track, envelopes, events)
    }
    return corrupt
  })

/** Loads and checks the stored documents at `keys` into `documents` (`None` for the missing ones). */
const loadDocuments = <Event>(
  store: ProjectionStore.Service,
  projection: Projection.Any<Event>,
  keys: ReadonlyArray<string>,
  documents: Map<string, Option.Option<unknown>>
) =>
  Effect.gen(function* () {
    if (keys.length === 0) return
    const stored = yield* store.get(projection.name, keys)
    for (const key of keys) {
      documents.set(
        key,
        stored.has(key) ? Option.some(yield* Projection.checkDocument(projection, key, stored.get(key))) : Option.none()
      )
    }
  })

/** How a catch-up or rebuild reports on itself. */
export interface RunOptions {
  /** Called with the position every projection has reached, after each page of events (5,000) is applied. */
  readonly onProgress?: ((position: number) => Effect.Effect<void>) | undefined
}

/** Applies every event after the checkpoints up to the end of the store; returns the position reached. */
export const catchUp = <Event>(
  config: Config<Event>,
  options: RunOptions = {}
): Effect.Effect<number, RunError, EventStore.EventStore | ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const events = yield* EventStore.EventStore
    const store = yield* ProjectionStore.ProjectionStore
    const tracks = yield* resume(config)
    const batchSize = config.batchSize ?? defaultBatchSize
    const interval = Duration.toMillis(config.commitInterval ?? defaultCommitInterval)
    let uncommitted = 0
    let committedAt = yield* Clock.currentTimeMillis
    const apply = (page: number) =>
      events.readAllEncoded({ fromPosition: lowest(tracks) + 1, batchSize: page }).pipe(
        Stream.rechunk(page),
        Stream.runForEachChunk((chunk) =>
          Effect.gen(function* () {
            const corrupt = yield* applyBatch(config, store, tracks, Chunk.toReadonlyArray(chunk))
            uncommitted += chunk.length
            const now = yield* Clock.currentTimeMillis
            if (Option.isSome(corrupt) || uncommitted >= batchSize || now - committedAt >= interval) {
              yield* commit(store, tracks)
              uncommitted = 0
              committedAt = now
            }
            if (Option.isSome(corrupt)) return yield* Effect.fail(corrupt.value)
            if (options.onProgress !== undefined) yield* options.onProgress(lowest(tracks))
          }))
      )
    const page = Math.min(batchSize, pageSize)
    yield* apply(page).pipe(
      // A corrupt event: read on from the last event applied one at a time, so that when the
      // store could not read a whole page, the events before the corrupt one are applied too.
      Effect.catchTag("CorruptEvent", (error) => (page > 1 ? apply(1) : Effect.fail(error))),
      // What was applied before a failure is committed, then the run fails.
      Effect.catchAll((error) => Effect.zipRight(commit(store, tracks), Effect.fail(error)))
    )
    yield* commit(store, tracks)
    return lowest(tracks)
  })

/** Drops the read models and builds them again from position 1; returns the position reached. */
export const rebuild = <Event>(
  config: Config<Event>,
  options: RunOptions = {}
): Effect.Effect<number, RunError, EventStore.EventStore | ProjectionStore.ProjectionStore> =>
  Effect.flatMap(ProjectionStore.ProjectionStore, (store) =>
    Effect.zipRight(Effect.forEach(config.projections, (p) => store.reset(p.name), { discard: true }), catchUp(config, options)))

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
    const store = yield* ProjectionStore.ProjectionStore
    const tracks = yield* resume(config)
    yield* events.subscribe({ fromPosition: lowest(tracks) + 1 }).pipe(
      Stream.map(EventStore.encodeEnvelope),
      Stream.groupedWithin(config.batchSize ?? defaultBatchSize, options.maxDelay ?? Duration.millis(50)),
      Stream.runForEach((chunk) =>
        Effect.gen(function* () {
          const corrupt = yield* applyBatch(config, store, tracks, Chunk.toReadonlyArray(chunk))
          yield* commit(store, tracks)
          if (Option.isSome(corrupt)) return yield* Effect.fail(corrupt.value)
        }))
    ).pipe(
      // A corrupt event, or a page the store could not read: a catch-up one event at a time
      // applies and commits the events before the corrupt one, then the run fails.
      Effect.catchTag("CorruptEvent", (error) => Effect.zipRight(catchUp({ ...config, batchSize: 1 }), Effect.fail(error)))
    )
    return yield* Effect.never
  })
