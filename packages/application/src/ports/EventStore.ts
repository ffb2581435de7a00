/**
 * The event store port (ARCHITECTURE.md, "Event sourcing"): appends that are atomic per call,
 * conditional on the expected stream version and idempotent by `eventId`; reads of one stream;
 * reads of all events in global order; a subscription that catches up and then tails live
 * without a gap or a duplicate at the seam; and the current global position.
 *
 * Positions are strictly increasing in global order and start above 0; adapters may leave gaps
 * between them (the NATS adapter derives them from stream sequences). Versions count the events
 * of one stream from 1, without gaps.
 *
 * Besides the service this module holds the rules every adapter shares (`checkAppend`,
 * `checkExpectedVersion`, `matchReappend`), the stream builders of stores that read by
 * position (`pages`, `tail`, `pagedReads`, `encodedReads`), so that each adapter only does its
 * own I/O, and `readAt` for readers of a few listed events.
 */
import { Chunk, Context, type Duration, Effect, Either, Option, Schema, Stream } from "effect"
import { ConcurrencyConflict, EventEnvelope } from "@cim-nix/domain"

/** The stream of one aggregate instance. */
export interface StreamId {
  readonly aggregateType: string
  readonly aggregateId: string
}

/**
 * What the writer believes the stream's version to be: a number (0 = the stream does not exist
 * yet), `"no-stream"` (same as 0) or `"any"` (no check).
 */
export type ExpectedVersion = number | "no-stream" | "any"

/** The store cannot be reached or is busy (a lock held too long, a server down). Retrying may succeed. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  /** Which store, e.g. `sqlite:/var/lib/cim-nix/events.sqlite` or `nats://127.0.0.1:4222`. */
  store: Schema.String,
  /** What was being done: "append", "readStream", "readAll", "subscribe", "open", ... */
  operation: Schema.String,
  message: Schema.String,
  hint: Schema.String,
  transient: Schema.optionalWith(Schema.Boolean, { default: () => true })
}) {}

/** A stored event that no longer decodes. Readers stop at it: an event is never skipped silently. */
export class CorruptEvent extends Schema.TaggedError<CorruptEvent>()("CorruptEvent", {
  store: Schema.String,
  /** The global position of the event (or of the message holding it), when known. */
  position: Schema.optional(Schema.Number),
  eventId: Schema.optional(Schema.String),
  /** Why it does not decode (the Schema or JSON error). */
  reason: Schema.String,
  message: Schema.String,
  hint: Schema.String,
  transient: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {}

/**
 * An append the store refuses as given, whatever the stream's version: events of another
 * stream, an event id repeated inside the call or already used by other events, an append too
 * large for one atomic write.
 */
export class AppendRejected extends Schema.TaggedError<AppendRejected>()("AppendRejected", {
  aggregateType: Schema.String,
  aggregateId: Schema.String,
  reason: Schema.Literal("WrongStream", "EventIdReused", "TooLarge"),
  /** The event ids at fault. */
  eventIds: Schema.Array(Schema.String),
  message: Schema.String,
  hint: Schema.String,
  transient: Schema.optionalWith(Schema.Boolean, { default: () => false })
}) {}

/** Why an append can fail. */
export type AppendError = ConcurrencyConflict | AppendRejected | StoreUnavailable

/** Why a read can fail. */
export type ReadError = StoreUnavailable | CorruptEvent

/** Where `readAll` starts (default: position 1) and how many events it fetches at a time (default 500). */
export interface ReadAllOptions {
  readonly fromPosition?: number | undefined
  readonly batchSize?: number | undefined
}

/** The event store, as handlers and projections see it. */
export interface Service {
  /**
   * Appends `events` (all of `stream`) if the stream is at `expectedVersion`, all or nothing,
   * and returns them as stored. Re-appending events whose ids are all stored, in the same order
   * in the same stream, returns the stored envelopes and writes nothing; a call that reuses
   * only some stored ids is rejected.
   */
  readonly append: (
    stream: StreamId,
    events: ReadonlyArray<EventEnvelope.NewEvent>,
    expectedVersion: ExpectedVersion
  ) => Effect.Effect<ReadonlyArray<EventEnvelope.EventEnvelope>, AppendError>
  /** The events of one stream from `fromVersion` (default 1), in version order; empty for an unknown stream. */
  readonly readStream: (
    stream: StreamId,
    options?: { readonly fromVersion?: number | undefined }
  ) => Effect.Effect<ReadonlyArray<EventEnvelope.EventEnvelope>, ReadError>
  /**
   * All events with a position >= `fromPosition` (default: from the start) in global order, up
   * to the end of the store as the stream reaches it; fetched `batchSize` (default 500) at a time.
   */
  readonly readAll: (options?: ReadAllOptions) => Stream.Stream<EventEnvelope.EventEnvelope, ReadError>
  /**
   * `readAll` in the JSON form stores keep (`occurredAt` as text), each envelope checked as
   * `readAll` decodes it (`CorruptEvent` where it does not) but not decoded: for readers of the
   * JSON form, such as projections, which then build no typed envelopes.
   */
  readonly readAllEncoded: (options?: ReadAllOptions) => Stream.Stream<EventEnvelope.Encoded, ReadError>
  /**
   * All events with a position >= `fromPosition`, then every event appended later, in global
   * order, without gap or duplicate. Never ends by itself; interrupt it to stop.
   */
  readonly subscribe: (
    options?: { readonly fromPosition?: number | undefined }
  ) => Stream.Stream<EventEnvelope.EventEnvelope, ReadError>
  /** The position of the last stored event, 0 when the store is empty. */
  readonly currentPosition: Effect.Effect<number, StoreUnavailable>
}

/** The event store port. */
export class EventStore extends Context.Tag("@cim-nix/application/EventStore")<EventStore, Service>() {}

/** The default number of events fetched per read. */
export const defaultBatchSize = 500

/** The number of the expected version, or `undefined` for `"any"`. */
export const expectedNumber = (expected: ExpectedVersion): number | undefined =>
  expected === "any" ? undefined : expected === "no-stream" ? 0 : expected

/** The conflict of an append that expected `stream` at `expectedVersion` and found it at `actualVersion`. */
export const conflict = (stream: StreamId, expectedVersion: number, actualVersion: number): ConcurrencyConflict =>
  new ConcurrencyConflict({
    aggregateType: stream.aggregateType,
    aggregateId: stream.aggregateId,
    expectedVersion,
    actualVersion,
    message: `${stream.aggregateType} ${stream.aggregateId} is at version ${actualVersion}, not ${expectedVersion}`,
    hint: "Someone else changed it first: load it again, decide again and retry."
  })

/** Fails with `ConcurrencyConflict` when the stream's `actual` version is not the expected one. */
export const checkExpectedVersion = (
  stream: StreamId,
  expected: ExpectedVersion,
  actual: number
): Effect.Effect<void, ConcurrencyConflict> => {
  const expectedVersion = expectedNumber(expected)
  return expectedVersion === undefined || expectedVersion === actual
    ? Effect.void
    : Effect.fail(conflict(stream, expectedVersion, actual))
}

/** Checks what an append can check without the store: every event in `stream`, no id twice. */
export const checkAppend = (
  stream: StreamId,
  events: ReadonlyArray<EventEnvelope.NewEvent>
): Effect.Effect<void, AppendRejected> => {
  const foreign = events.filter((e) => e.aggregateType !== stream.aggregateType || e.aggregateId !== stream.aggregateId)
  if (foreign.length > 0) {
    return Effect.fail(
      new AppendRejected({
        ...streamFields(stream),
        reason: "WrongStream",
        eventIds: foreign.map((e) => e.eventId),
        message: `${foreign.length} event(s) of another aggregate appended to ${stream.aggregateType} ${stream.aggregateId}`,
        hint: "Append each aggregate's events to its own stream."
      })
    )
  }
  const seen = new Set<string>()
  const repeated = events.filter((e) => seen.size === seen.add(e.eventId).size)
  return repeated.length === 0 ? Effect.void : Effect.fail(reused(stream, repeated.map((e) => e.eventId)))
}

/**
 * Decides a (re-)append from the stored events that carry the call's ids: none stored means a
 * new append (`None`); all stored, in this stream, in the call's order and contiguous, means a
 * retry whose stored envelopes are returned (`Some`); anything else is rejected.
 */
export const matchReappend = (
  stream: StreamId,
  events: ReadonlyArray<EventEnvelope.NewEvent>,
  stored: ReadonlyArray<EventEnvelope.EventEnvelope>
): Effect.Effect<Option.Option<ReadonlyArray<EventEnvelope.EventEnvelope>>, AppendRejected> => {
  if (stored.length === 0) return Effect.succeed(Option.none())
  const byId = new Map(stored.map((e) => [e.eventId as string, e]))
  const inOrder = events.map((e) => byId.get(e.eventId))
  const isRetry = inOrder.every((e, i) =>
    e !== undefined && e.aggregateType === stream.aggregateType && e.aggregateId === stream.aggregateId &&
    (i === 0 || e.version === inOrder[i - 1]!.version + 1)
  )
  return isRetry
    ? Effect.succeed(Option.some(inOrder as ReadonlyArray<EventEnvelope.EventEnvelope>))
    : Effect.fail(reused(stream, stored.map((e) => e.eventId)))
}

const streamFields = (stream: StreamId) => ({ aggregateType: stream.aggregateType, aggregateId: stream.aggregateId })

const reused = (stream: StreamId, eventIds: ReadonlyArray<string>) =>
  new AppendRejected({
    ...streamFields(stream),
    reason: "EventIdReused",
    eventIds,
    message: `${eventIds.length} event id(s) of this append are repeated or already stored with other events`,
    hint: "Give every new event a fresh id; retry an append only with exactly the events of the first try."
  })

/**
 * All events from `fromPosition` to the end, read page by page with `readPage(from)` (which
 * returns at most `batchSize` events with a position >= `from`, in order).
 */
export const pages = <A extends { readonly position: number }, E>(
  fromPosition: number,
  batchSize: number,
  readPage: (from: number) => Effect.Effect<ReadonlyArray<A>, E>
): Stream.Stream<A, E> =>
  Stream.paginateChunkEffect(fromPosition, (from) =>
    Effect.map(readPage(from), (page) => [
      Chunk.unsafeFromArray(page as Array<A>),
      page.length < batchSize ? Option.none() : Option.some(page[page.length - 1]!.position + 1)
    ]))

/**
 * Catch-up then live tail: reads pages from `fromPosition`; when a page comes back empty, waits
 * with `waitFor(from)` until events at or after `from` may exist, then reads again. Every event
 * is read by position exactly once, so the seam between catch-up and tail has no gap and no
 * duplicate as long as positions become visible in order.
 */
export const tail = <E>(
  fromPosition: number,
  readPage: (from: number) => Effect.Effect<ReadonlyArray<EventEnvelope.EventEnvelope>, E>,
  waitFor: (from: number) => Effect.Effect<void, E>
): Stream.Stream<EventEnvelope.EventEnvelope, E> =>
  Stream.unfoldChunkEffect(fromPosition, (from) =>
    Effect.flatMap(readPage(from), (page) =>
      page.length === 0
        ? Effect.as(waitFor(from), Option.some([Chunk.empty<EventEnvelope.EventEnvelope>(), from] as const))
        : Effect.succeed(
          Option.some([
            Chunk.unsafeFromArray(page as Array<EventEnvelope.EventEnvelope>),
            page[page.length - 1]!.position + 1
          ] as const)
        )))

/** The JSON form of an envelope `readAll` gave (it decoded, so it encodes). */
export const encodeEnvelope = (envelope: EventEnvelope.EventEnvelope): EventEnvelope.Encoded =>
  Either.getOrThrow(EventEnvelope.encode(envelope))

/** `readAllEncoded` of a store with no cheaper way to it: `readAll`, each envelope encoded. */
export const encodedReads = <E>(
  readAll: (options?: ReadAllOptions) => Stream.Stream<EventEnvelope.EventEnvelope, E>
): (options?: ReadAllOptions) => Stream.Stream<EventEnvelope.Encoded, E> =>
(options) => Stream.map(readAll(options), encodeEnvelope)

/**
 * The stored events at `positions` (ascending), in their JSON form: one `readAllEncoded` per run
 * of consecutive positions, not one per event (an event log page usually is one run). A position
 * with no event is left out.
 */
export const readAt = (
  store: Service,
  positions: ReadonlyArray<number>
): Effect.Effect<Array<EventEnvelope.Encoded>, ReadError> => {
  const wanted = new Set(positions)
  const runs: Array<Array<number>> = []
  for (const position of positions) {
    const run = runs[runs.length - 1]
    if (run !== undefined && position === run[run.length - 1]! + 1) run.push(position)
    else runs.push([position])
  }
  return Effect.map(
    Effect.forEach(runs, (run) =>
      store.readAllEncoded({ fromPosition: run[0]!, batchSize: run.length }).pipe(
        Stream.takeWhile((e) => e.position <= run[run.length - 1]!),
        Stream.take(run.length),
        Stream.runCollect
      )),
    (chunks) => chunks.flatMap((chunk) => Array.from(chunk).filter((e) => wanted.has(e.position)))
  )
}

/** Reads up to `limit` events from position `from` (for the `operation` named in errors). */
type ReadPage<A, E> = (operation: string, from: number, limit: number) => Effect.Effect<ReadonlyArray<A>, E>

/**
 * `readAll`, `readAllEncoded` and `subscribe` of a store that reads pages of events by position
 * (SQL tables): `readPage` reads decoded envelopes, `readEncodedPage` (when the store has a
 * cheaper way than encoding them) checked ones in their JSON form; `positions` emits the newest
 * position the store has heard of (in-process appends, notifications); the tail also polls
 * every `pollInterval` for writers it cannot hear.
 */
export const pagedReads = <E>(
  readPage: ReadPage<EventEnvelope.EventEnvelope, E>,
  positions: Stream.Stream<number>,
  pollInterval: Duration.DurationInput,
  readEncodedPage?: ReadPage<EventEnvelope.Encoded, E>
): {
  readonly readAll: (options?: ReadAllOptions) => Stream.Stream<EventEnvelope.EventEnvelope, E>
  readonly readAllEncoded: (options?: ReadAllOptions) => Stream.Stream<EventEnvelope.Encoded, E>
  readonly subscribe: (options?: { readonly fromPosition?: number | undefined }) => Stream.Stream<EventEnvelope.EventEnvelope, E>
} => {
  const all = <A extends { readonly position: number }>(read: ReadPage<A, E>) => (options?: ReadAllOptions) => {
    const batchSize = options?.batchSize ?? defaultBatchSize
    return pages(options?.fromPosition ?? 1, batchSize, (from) => read("readAll", from, batchSize))
  }
  const readAll = all(readPage)
  return {
    readAll,
    readAllEncoded: readEncodedPage === undefined ? encodedReads(readAll) : all(readEncodedPage),
    subscribe: (options) =>
      tail(
        options?.fromPosition ?? 1,
        (from) => readPage("subscribe", from, defaultBatchSize),
        (from) =>
          Effect.race(
            positions.pipe(Stream.takeUntil((position) => position >= from), Stream.runDrain),
            Effect.sleep(pollInterval)
          )
      )
  }
}
