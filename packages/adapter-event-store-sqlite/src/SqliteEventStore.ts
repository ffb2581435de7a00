/**
 * The `EventStore` port on SQLite, the embedded default: one `events` table in the shared
 * database file, positions are its integer primary key (from 1, without gaps), a unique
 * (aggregate, version) and a unique `event_id` back the version and idempotency rules.
 *
 * An append is one write transaction that holds the write lock from its start: it reads the
 * stream's version and the last position, checks the expected version, and inserts the events
 * with one prepared statement. So an append is all or nothing even if the process is
 * killed half-way, and of two processes appending to one stream the second waits for the lock,
 * then sees the first's events and fails with `ConcurrencyConflict`. Because writers are
 * serialized, positions become visible in order, which is what subscriptions rely on: they
 * poll the table after each in-process append and every `pollInterval` (for other processes).
 */
import { Data, DateTime, Duration, Effect, Either, Layer, Option, Stream, SubscriptionRef } from "effect"
import { EventStore } from "@cim-nix/application"
import type { ConcurrencyConflict } from "@cim-nix/domain"
import { EventEnvelope } from "@cim-nix/domain"
import * as SqliteDatabase from "./SqliteDatabase.js"

/** Options of the store. */
export interface Options {
  /** How often a subscription looks for events appended by other processes (default 50 ms). */
  readonly pollInterval?: Duration.DurationInput | undefined
}

const columns =
  "position, event_id, aggregate_type, aggregate_id, version, type, occurred_at, correlation_id, causation_id, schema_version, payload"

/** A row of `columns`, in their order. */
type Row = [
  position: number,
  eventId: string,
  aggregateType: string,
  aggregateId: string,
  version: number,
  type: string,
  occurredAt: string,
  correlationId: string,
  causationId: string,
  schemaVersion: number,
  payload: string
]

const toRow = (e: EventEnvelope.EventEnvelope): Row => [
  e.position,
  e.eventId,
  e.aggregateType,
  e.aggregateId,
  e.version,
  e.type,
  DateTime.formatIso(e.occurredAt),
  e.correlationId,
  e.causationId,
  e.schemaVersion,
  JSON.stringify(e.payload ?? null)
]

/**
 * The envelope of `row` read by `parse` (`EventEnvelope.decode`, or `EventEnvelope.check` for
 * the JSON form); a row that does not parse is a `CorruptEvent` saying which and why.
 */
const fromRow = <A>(
  store: string,
  row: Row,
  parse: (input: unknown) => Either.Either<A, { readonly message: string }>
): Either.Either<A, EventStore.CorruptEvent> => {
  const corrupt = (reason: string) =>
    Either.left(
      new EventStore.CorruptEvent({
        store,
        position: Number(row[0]),
        eventId: String(row[1]),
        reason,
        message: `the event at position ${row[0]} (${row[1]}) in ${store} does not decode: ${reason}`,
        hint: "The row was changed outside cim-nix or by an incompatible version: restore it from a backup, or repair the row."
      })
    )
  let payload: unknown
  try {
    payload = JSON.parse(row[10])
  } catch (error) {
    return corrupt(`payload is not JSON: ${(error as Error).message}`)
  }
  const parsed = parse({
    position: row[0],
    eventId: row[1],
    aggregateType: row[2],
    aggregateId: row[3],
    version: row[4],
    type: row[5],
    occurredAt: row[6],
    correlationId: row[7],
    causationId: row[8],
    schemaVersion: row[9],
    payload
  })
  return Either.isRight(parsed) ? Either.right(parsed.right) : corrupt(parsed.left.message)
}

/** The envelopes of `rows` read by `parse`, up to the first that does not parse. */
const fromRows = <A>(
  store: string,
  rows: ReadonlyArray<Row>,
  parse: (input: unknown) => Either.Either<A, { readonly message: string }>
): Either.Either<Array<A>, EventStore.CorruptEvent> => {
  const envelopes: Array<A> = []
  for (const row of rows) {
    const envelope = fromRow(store, row, parse)
    if (Either.isLeft(envelope)) return Either.left(envelope.left)
    envelopes.push(envelope.right)
  }
  return Either.right(envelopes)
}

/** The decoded envelopes of `rows`, up to the first that does not decode. */
const toEnvelopes = (store: string, rows: ReadonlyArray<Row>) => fromRows(store, rows, EventEnvelope.decode)

/** Some of an append's event ids are taken (found by the unique index): resolved after rollback. */
class EventIdTaken extends Data.TaggedError("EventIdTaken") {}

/** Builds the store on the open database. */
export const make = (options: Options = {}): Effect.Effect<EventStore.Service, never, SqliteDatabase.SqliteDatabase> =>
  Effect.gen(function* () {
    const db = yield* SqliteDatabase.SqliteDatabase
    // The last position this process appended, published to `head` only while a subscription
    // waits for it (publishing costs more than a single-event append).
    const head = yield* SubscriptionRef.make(0)
    let last = 0
    let waiting = 0
    const positions = Stream.unwrapScoped(
      Effect.acquireRelease(Effect.sync(() => waiting++), () => Effect.sync(() => waiting--)).pipe(
        Effect.zipRight(Effect.suspend(() => SubscriptionRef.set(head, last))),
        Effect.as(head.changes)
      )
    )
    const appended = (position: number) =>
      Effect.suspend(() => {
        last = position
        return waiting > 0 ? SubscriptionRef.set(head, position) : Effect.void
      })
    const pollInterval = options.pollInterval ?? "50 millis"
    const prepare = <P extends Array<unknown>, R>(sql: string) => db.connection.prepare<P, R>(sql)
    const streamHead = prepare<[string, string], readonly [version: number, position: number]>(
      `SELECT
        (SELECT coalesce(max(version), 0) FROM events WHERE aggregate_type = ? AND aggregate_id = ?),
        (SELECT coalesce(max(position), 0) FROM events)`
    ).raw(true)
    const insert = prepare<Row, never>(`INSERT INTO events (${columns}) VALUES (${columns.split(",").map(() => "?").join(", ")})`)
    const page = prepare<[from: number, limit: number], Row>(
      `SELECT ${columns} FROM events WHERE position >= ? ORDER BY position LIMIT ?`
    ).raw(true)
    const stream = prepare<[aggregateType: string, aggregateId: string, fromVersion: number], Row>(
      `SELECT ${columns} FROM events WHERE aggregate_type = ? AND aggregate_id = ? AND version >= ? ORDER BY version`
    ).raw(true)
    const withId = prepare<[eventId: string], Row>(`SELECT ${columns} FROM events WHERE event_id = ?`).raw(true)
    const lastPosition = prepare<[], number>("SELECT coalesce(max(position), 0) FROM events").pluck(true)

    const storedWithIds = (events: ReadonlyArray<EventEnvelope.NewEvent>) =>
      Effect.flatMap(
        db.read("append", () => events.flatMap((e) => withId.all(e.eventId))),
        (rows) => toEnvelopes(db.store, rows)
      ).pipe(Effect.catchTag("CorruptEvent", (e) =>
        Effect.fail(
          new EventStore.StoreUnavailable({
            store: db.store,
            operation: "append",
            message: e.message,
            hint: e.hint,
            transient: false
          })
        )))

    /** After a conflict or a taken id: a retry of a stored append returns it, anything else fails with `error`. */
    const resolveRetry = <E>(stream: EventStore.StreamId, events: ReadonlyArray<EventEnvelope.NewEvent>, error: E) =>
      Effect.flatMap(storedWithIds(events), (stored) =>
        Effect.flatMap(EventStore.matchReappend(stream, events, stored), Option.match({
          onNone: () => Effect.fail(error),
          onSome: Effect.succeed
        })))

    /** Inserts `events` after the stream's head, in the caller's write transaction. */
    const insertAfterHead = (
      stream: EventStore.StreamId,
      events: ReadonlyArray<EventEnvelope.NewEvent>,
      expectedVersion: EventStore.ExpectedVersion
    ): Either.Either<Array<EventEnvelope.EventEnvelope>, ConcurrencyConflict | EventIdTaken> => {
      const [version, position] = streamHead.get(stream.aggregateType, stream.aggregateId)!
      const expected = EventStore.expectedNumber(expectedVersion)
      if (expected !== undefined && expected !== version) return Either.left(EventStore.conflict(stream, expected, version))
      const envelopes = events.map((e, i): EventEnvelope.EventEnvelope => ({ ...e, version: version + i + 1, position: position + i + 1 }))
      try {
        for (const envelope of envelopes) insert.run(...toRow(envelope))
      } catch (error) {
        if (SqliteDatabase.errorCode(error) === "SQLITE_CONSTRAINT_UNIQUE") return Either.left(new EventIdTaken())
        throw error
      }
      return Either.right(envelopes)
    }

    const append: EventStore.Service["append"] = (stream, events, expectedVersion) =>
      EventStore.checkAppend(stream, events).pipe(
        Effect.zipRight(db.write("append", () => insertAfterHead(stream, events, expectedVersion))),
        Effect.tap((stored) => stored.length === 0 ? Effect.void : appended(stored[stored.length - 1]!.position)),
        Effect.catchTags({
          ConcurrencyConflict: (conflict) => resolveRetry(stream, events, conflict),
          EventIdTaken: (taken) =>
            resolveRetry(stream, events, taken).pipe(
              Effect.catchTag("EventIdTaken", () => Effect.dieMessage("an event id is taken, yet no stored event carries it"))
            )
        })
      )

    /** Reads a page of rows from position `from` into envelopes with `parse`. */
    const pageOf = <A>(parse: (input: unknown) => Either.Either<A, { readonly message: string }>) =>
    (operation: string, from: number, batchSize: number) =>
      Effect.flatMap(db.read(operation, () => page.all(from, batchSize)), (rows) => fromRows(db.store, rows, parse))

    return {
      append,
      readStream: (id, options) =>
        Effect.flatMap(
          db.read("readStream", () => stream.all(id.aggregateType, id.aggregateId, options?.fromVersion ?? 1)),
          (rows) => toEnvelopes(db.store, rows)
        ),
      ...EventStore.pagedReads(pageOf(EventEnvelope.decode), positions, pollInterval, pageOf(EventEnvelope.check)),
      currentPosition: db.read("currentPosition", () => lastPosition.get()!)
    }
  })

/** The `EventStore` port on the `SqliteDatabase` in context. */
export const layer = (options: Options = {}): Layer.Layer<EventStore.EventStore, never, SqliteDatabase.SqliteDatabase> =>
  Layer.effect(EventStore.EventStore, make(options))

/** The `EventStore` port on its own database file. */
export const layerFile = (
  config: SqliteDatabase.Config & Options
): Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> =>
  layer(config).pipe(Layer.provide(SqliteDatabase.layer(config)))
