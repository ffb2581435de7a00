/**
 * The `EventStore` port on SQLite, the embedded default: one `events` table in the shared
 * database file, positions are its integer primary key (from 1, without gaps), a unique
 * (aggregate, version) and a unique `event_id` back the version and idempotency rules.
 *
 * An append is one write transaction that holds the write lock from its start: it reads the
 * stream's version and the last position, checks the expected version, and inserts all events
 * (in multi-row statements of up to 500). So an append is all or nothing even if the process is
 * killed half-way, and of two processes appending to one stream the second waits for the lock,
 * then sees the first's events and fails with `ConcurrencyConflict`. Because writers are
 * serialized, positions become visible in order, which is what subscriptions rely on: they
 * poll the table after each in-process append and every `pollInterval` (for other processes).
 */
import { Data, DateTime, Duration, Effect, Either, Layer, Option, Schema, SubscriptionRef } from "effect"
import { EventStore } from "@cim-nix/application"
import { EventEnvelope } from "@cim-nix/domain"
import * as SqliteDatabase from "./SqliteDatabase.js"

/** Options of the store. */
export interface Options {
  /** How often a subscription looks for events appended by other processes (default 50 ms). */
  readonly pollInterval?: Duration.DurationInput | undefined
}

const columns =
  "position, event_id, aggregate_type, aggregate_id, version, type, occurred_at, correlation_id, causation_id, schema_version, payload"

const chunkSize = 500

const chunks = <A>(items: ReadonlyArray<A>): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / chunkSize) }, (_, i) => items.slice(i * chunkSize, (i + 1) * chunkSize))

const placeholders = (count: number, width: number) =>
  Array.from({ length: count }, () => `(${Array.from({ length: width }, () => "?").join(", ")})`).join(", ")

const insertStatements = new Map<number, string>()
const insertSql = (rows: number) => {
  let sql = insertStatements.get(rows)
  if (sql === undefined) {
    sql = `INSERT INTO events (${columns}) VALUES ${placeholders(rows, 11)}`
    insertStatements.set(rows, sql)
  }
  return sql
}

const headSql = `SELECT
  (SELECT coalesce(max(version), 0) FROM events WHERE aggregate_type = ? AND aggregate_id = ?) AS version,
  (SELECT coalesce(max(position), 0) FROM events) AS position`

const toRow = (e: EventEnvelope.EventEnvelope): Array<unknown> => [
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

const decodeEnvelope = Schema.decodeUnknownEither(EventEnvelope.EventEnvelope)

const toEnvelope = (store: string, row: Record<string, unknown>): Either.Either<EventEnvelope.EventEnvelope, EventStore.CorruptEvent> => {
  const corrupt = (reason: string) =>
    Either.left(
      new EventStore.CorruptEvent({
        store,
        position: Number(row["position"]),
        eventId: String(row["event_id"]),
        reason,
        message: `the event at position ${row["position"]} (${row["event_id"]}) in ${store} does not decode: ${reason}`,
        hint: "The row was changed outside cim-nix or by an incompatible version: restore it from a backup, or repair the row."
      })
    )
  let payload: unknown
  try {
    payload = JSON.parse(String(row["payload"]))
  } catch (error) {
    return corrupt(`payload is not JSON: ${(error as Error).message}`)
  }
  const decoded = decodeEnvelope({
    eventId: row["event_id"],
    type: row["type"],
    aggregateType: row["aggregate_type"],
    aggregateId: row["aggregate_id"],
    occurredAt: row["occurred_at"],
    correlationId: row["correlation_id"],
    causationId: row["causation_id"],
    schemaVersion: row["schema_version"],
    payload,
    version: row["version"],
    position: row["position"]
  })
  return Either.isRight(decoded) ? Either.right(decoded.right) : corrupt(decoded.left.message)
}

const toEnvelopes = (
  store: string,
  rows: ReadonlyArray<Record<string, unknown>>
): Either.Either<Array<EventEnvelope.EventEnvelope>, EventStore.CorruptEvent> => {
  const envelopes: Array<EventEnvelope.EventEnvelope> = []
  for (const row of rows) {
    const envelope = toEnvelope(store, row)
    if (Either.isLeft(envelope)) return Either.left(envelope.left)
    envelopes.push(envelope.right)
  }
  return Either.right(envelopes)
}

/** Some of an append's event ids are taken (found by the unique index): resolved after rollback. */
class EventIdTaken extends Data.TaggedError("EventIdTaken") {}

/** Builds the store on the open database. */
export const make = (options: Options = {}): Effect.Effect<EventStore.Service, never, SqliteDatabase.SqliteDatabase> =>
  Effect.gen(function* () {
    const db = yield* SqliteDatabase.SqliteDatabase
    const head = yield* SubscriptionRef.make(0)
    const pollInterval = options.pollInterval ?? "50 millis"

    const storedWithIds = (events: ReadonlyArray<EventEnvelope.NewEvent>) =>
      Effect.flatMap(
        Effect.forEach(chunks(events.map((e) => e.eventId)), (ids) =>
          db.query("append", `SELECT ${columns} FROM events WHERE event_id IN (${ids.map(() => "?").join(", ")})`, ids)),
        (rows) => toEnvelopes(db.store, rows.flat())
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

    const append: EventStore.Service["append"] = (stream, events, expectedVersion) =>
      EventStore.checkAppend(stream, events).pipe(
        Effect.zipRight(db.write("append", (run) =>
          Effect.gen(function* () {
            const [row] = yield* run(headSql, [stream.aggregateType, stream.aggregateId])
            const version = Number(row!["version"])
            const position = Number(row!["position"])
            yield* EventStore.checkExpectedVersion(stream, expectedVersion, version)
            const envelopes = events.map((e, i): EventEnvelope.EventEnvelope => ({
              ...e,
              version: version + i + 1,
              position: position + i + 1
            }))
            for (const chunk of chunks(envelopes)) {
              yield* run(insertSql(chunk.length), chunk.flatMap(toRow)).pipe(
                Effect.catchIf(
                  (e) => SqliteDatabase.errorCode(e) === "SQLITE_CONSTRAINT_UNIQUE",
                  () => Effect.fail(new EventIdTaken())
                )
              )
            }
            return envelopes
          }))),
        Effect.tap((appended) => appended.length === 0 ? Effect.void : SubscriptionRef.set(head, appended[appended.length - 1]!.position)),
        Effect.catchTags({
          ConcurrencyConflict: (conflict) => resolveRetry(stream, events, conflict),
          EventIdTaken: (taken) =>
            resolveRetry(stream, events, taken).pipe(
              Effect.catchTag("EventIdTaken", () => Effect.dieMessage("an event id is taken, yet no stored event carries it"))
            )
        })
      )

    const readPage = (operation: string, from: number, batchSize: number) =>
      Effect.flatMap(
        db.query(operation, `SELECT ${columns} FROM events WHERE position >= ? ORDER BY position LIMIT ?`, [from, batchSize]),
        (rows) => toEnvelopes(db.store, rows)
      )

    return {
      append,
      readStream: (stream, options) =>
        Effect.flatMap(
          db.query(
            "readStream",
            `SELECT ${columns} FROM events WHERE aggregate_type = ? AND aggregate_id = ? AND version >= ? ORDER BY version`,
            [stream.aggregateType, stream.aggregateId, options?.fromVersion ?? 1]
          ),
          (rows) => toEnvelopes(db.store, rows)
        ),
      ...EventStore.pagedReads(readPage, head.changes, pollInterval),
      currentPosition: Effect.map(
        db.query("currentPosition", "SELECT coalesce(max(position), 0) AS position FROM events"),
        (rows) => Number(rows[0]!["position"])
      )
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
