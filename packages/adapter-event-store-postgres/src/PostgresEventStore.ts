/**
 * The `EventStore` port on PostgreSQL, through `@effect/sql-pg`: one `events` table in a schema
 * of its own (default `cim_nix`, created with its tables when missing), a unique
 * (aggregate, version) and a unique `event_id` backing the version and idempotency rules, and
 * global positions drawn from a sequence.
 *
 * An append is one call of the schema's `append` function, so one statement, one transaction
 * and one round trip: it takes the table's EXCLUSIVE lock (plain reads go on), so appends from
 * every connection and process are serialized; reads the stream's version and whether the
 * call's ids are stored; and, when the expected version holds, reserves contiguous positions
 * from the sequence and inserts all events. Because the lock is held until commit, positions
 * become visible in order, which subscriptions rely on. A commit notifies the schema's channel
 * (`pg_notify`); each store listens to it and polls every `pollInterval` in case a
 * notification is missed.
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Clock, DateTime, Deferred, Duration, Effect, Either, Layer, Option, Redacted, Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { EventStore, EventStoreUrl } from "@cim-nix/application"
import { EventEnvelope } from "@cim-nix/domain"

/** Where the store lives and how it watches for new events. */
export interface Config {
  /** A libpq URL, `postgres://user:password@host:port/database` (or `postgresql://`). */
  readonly url: string
  /** The schema holding the store's tables, created when missing (default `cim_nix`): lower case, digits, `_`. */
  readonly schema?: string | undefined
  /** How often a subscription looks for new events when no notification came (default 1 second). */
  readonly pollInterval?: Duration.DurationInput | undefined
  /** The most connections the store opens, besides the one that listens (default 10). */
  readonly maxConnections?: number | undefined
}

/** The schema used when the config names none. */
export const defaultSchema = "cim_nix"

/** SQLSTATE classes (and Node socket errors) after which a retry may succeed. */
const transientCode = /^(08|40|53|57P0|55P03|ECONN|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)/

const hintFor = (store: string, code: string | undefined, transient: boolean) =>
  transient
    ? `PostgreSQL at ${store} is unreachable, restarting or busy: retry, and check that it runs (pg_isready).`
    : code?.startsWith("28")
    ? "Authentication failed: check the user and password in the URL and the server's pg_hba.conf."
    : code === "3D000"
    ? "The database does not exist: create it (createdb <name>) or fix the URL."
    : "Check that the URL's user may create and use the store's schema and tables, and that no other program changed them."

/** A failed statement as the port's error: transient when the connection (or its timeout) or a lock is at fault. */
const unavailable = (store: string, operation: string) => (error: SqlError) => {
  const cause = error.cause as { readonly code?: unknown; readonly message?: unknown } | undefined
  const code = typeof cause?.code === "string" ? cause.code : undefined
  const transient = code === undefined ? /timed out/i.test(String(cause?.message)) : transientCode.test(code)
  return new EventStore.StoreUnavailable({
    store,
    operation,
    message: `${operation} on ${store} failed${code === undefined ? "" : ` (${code})`}: ${String(cause?.message ?? error.message)}`,
    hint: hintFor(store, code, transient),
    transient
  })
}

/** The schema's objects, one migration per entry; `schema_version` holds how many are applied. */
const migrations = (schema: string): ReadonlyArray<ReadonlyArray<string>> => [
  [
    `CREATE SEQUENCE ${schema}.event_positions AS bigint MINVALUE 1`,
    `CREATE TABLE ${schema}.events (
      position bigint PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      type text NOT NULL,
      occurred_at timestamptz NOT NULL,
      correlation_id text NOT NULL,
      causation_id text NOT NULL,
      schema_version integer NOT NULL,
      payload json NOT NULL,
      UNIQUE (aggregate_type, aggregate_id, version)
    )`,
    // One append in one statement (so in one round trip and one transaction): under the table
    // lock, each query of a VOLATILE function sees what committed before it, so the version and
    // ids read here are current. Inserts nothing when an id is already stored (`reused`), when
    // the stream is not at `expected` (NULL: any) or when there are no events; returns the
    // stream's version and, when it inserted, the first of the contiguous positions it took.
    `CREATE FUNCTION ${schema}.append(
      stream_type text, stream_id text, expected integer, event_ids uuid[], types text[], occurred timestamptz[],
      correlations text[], causations text[], schema_versions integer[], payloads json[], channel text
    ) RETURNS TABLE (stream_version integer, first_position bigint, reused boolean)
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      n constant integer := cardinality(event_ids);
      at_version integer;
      last_position bigint;
    BEGIN
      LOCK TABLE ${schema}.events IN EXCLUSIVE MODE;
      SELECT coalesce(max(e.version), 0) INTO at_version FROM ${schema}.events e
        WHERE e.aggregate_type = stream_type AND e.aggregate_id = stream_id;
      IF EXISTS (SELECT FROM ${schema}.events e WHERE e.event_id = ANY(event_ids)) THEN
        RETURN QUERY SELECT at_version, NULL::bigint, true;
      ELSIF (expected IS NOT NULL AND expected <> at_version) OR n = 0 THEN
        RETURN QUERY SELECT at_version, NULL::bigint, false;
      ELSE
        last_position := setval('${schema}.event_positions', nextval('${schema}.event_positions') + n - 1);
        INSERT INTO ${schema}.events (position, event_id, aggregate_type, aggregate_id, version, type, occurred_at,
            correlation_id, causation_id, schema_version, payload)
          SELECT last_position - n + u.i, u.event_id, stream_type, stream_id, at_version + u.i, u.type, u.occurred_at,
            u.correlation_id, u.causation_id, u.schema_version, u.payload
          FROM unnest(event_ids, types, occurred, correlations, causations, schema_versions, payloads)
            WITH ORDINALITY AS u(event_id, type, occurred_at, correlation_id, causation_id, schema_version, payload, i);
        PERFORM pg_notify(channel, last_position::text);
        RETURN QUERY SELECT at_version, last_position - n + 1, false;
      END IF;
    END $$`
  ]
]

/** Columns read as the envelope's fields, so that a row decodes as it is. */
const envelopeColumns = `event_id AS "eventId", type, aggregate_type AS "aggregateType", aggregate_id AS "aggregateId",
  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt",
  correlation_id AS "correlationId", causation_id AS "causationId", schema_version AS "schemaVersion", payload,
  version, position::float8 AS position`

const toEnvelopes = (store: string, rows: ReadonlyArray<Record<string, unknown>>) =>
  Effect.forEach(rows, (row) =>
    Either.mapLeft(EventEnvelope.decode(row), (error) =>
      new EventStore.CorruptEvent({
        store,
        position: Number(row["position"]),
        eventId: String(row["eventId"]),
        reason: error.message,
        message: `the event at position ${row["position"]} (${row["eventId"]}) in ${store} does not decode: ${error.message}`,
        hint: "The row was changed outside cim-nix or by an incompatible version: restore it from a backup, or repair the row."
      })))

/** Creates the schema's objects that are missing; refuses a schema written by a newer version. */
const migrate = (sql: PgClient.PgClient, store: string, schema: string) => {
  const steps = migrations(schema)
  return sql.withTransaction(Effect.gen(function* () {
    yield* sql.unsafe("SELECT pg_advisory_xact_lock(hashtext($1))", [`cim-nix migrate ${schema}`])
    yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (applied integer NOT NULL)`)
    const [row] = yield* sql.unsafe<{ applied: number }>(`SELECT applied FROM ${schema}.schema_version`)
    const applied = row?.applied ?? 0
    if (applied > steps.length) {
      return yield* new EventStore.StoreUnavailable({
        store,
        operation: "migrate",
        message: `the schema ${schema} of ${store} is at version ${applied}; this cim-nix knows up to ${steps.length}`,
        hint: "It was written by a newer cim-nix: upgrade cim-nix, or use another schema or database.",
        transient: false
      })
    }
    for (const statement of steps.slice(applied).flat()) yield* sql.unsafe(statement)
    if (row === undefined) yield* sql.unsafe(`INSERT INTO ${schema}.schema_version VALUES ($1)`, [steps.length])
    else if (applied < steps.length) yield* sql.unsafe(`UPDATE ${schema}.schema_version SET applied = $1`, [steps.length])
  }))
}

/** Builds the store on the `PgClient` in context, migrating its schema; listens until the scope closes. */
export const make = (
  options: { readonly store: string; readonly schema?: string | undefined; readonly pollInterval?: Duration.DurationInput | undefined }
): Effect.Effect<EventStore.Service, EventStore.StoreUnavailable, PgClient.PgClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const { store } = options
    const schema = options.schema ?? defaultSchema
    if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) {
      return yield* new EventStore.StoreUnavailable({
        store,
        operation: "open",
        message: `the schema name ${JSON.stringify(schema)} is not a lower-case identifier of at most 48 characters`,
        hint: "Name the schema with lower-case letters, digits and `_` only.",
        transient: false
      })
    }
    yield* Effect.catchTag(migrate(sql, store, schema), "SqlError", (e) => Effect.fail(unavailable(store, "migrate")(e)))
    const table = `${schema}.events`
    const channel = `${schema}.events`
    const pollInterval = options.pollInterval ?? "1 second"
    const latest = yield* SubscriptionRef.make(0)
    const raise = (position: number) => SubscriptionRef.update(latest, (current) => Math.max(current, position))

    const listening = yield* Deferred.make<void>()
    yield* sql.listen(channel).pipe(
      Stream.runForEach((payload) =>
        Effect.zipRight(Deferred.succeed(listening, undefined), Number.isSafeInteger(Number(payload)) ? raise(Number(payload)) : Effect.void)),
      Effect.retry(Schedule.spaced("1 second")),
      Effect.forkScoped
    )

    const query = <A extends object>(operation: string, statement: string, params?: ReadonlyArray<unknown>) =>
      Effect.mapError(sql.unsafe<A>(statement, params), unavailable(store, operation))

    // Opening waits (5 seconds at most, in real time even under a test clock) until the LISTEN
    // is in place, by notifying the channel until the listener hears it: a scope closed while
    // the listening connection is still being opened would leak that connection (Effect 3's
    // RcRef drops a resource whose acquisition is interrupted), keeping the process alive.
    yield* query("open", "SELECT pg_notify($1, 'listening')", [channel]).pipe(
      Effect.zipRight(Effect.timeoutOption(Deferred.await(listening), "25 millis")),
      Effect.repeat({ until: Option.isSome, times: 200 }),
      Effect.withClock(Clock.make())
    )

    const read = (operation: string, statement: string, params: ReadonlyArray<unknown>) =>
      Effect.flatMap(query<Record<string, unknown>>(operation, statement, params), (rows) => toEnvelopes(store, rows))

    const storedWithIds = (events: ReadonlyArray<EventEnvelope.NewEvent>) =>
      read("append", `SELECT ${envelopeColumns} FROM ${table} WHERE event_id = ANY($1::uuid[])`, [
        events.map((e) => e.eventId)
      ]).pipe(Effect.catchTag("CorruptEvent", (e) =>
        Effect.fail(new EventStore.StoreUnavailable({ store, operation: "append", message: e.message, hint: e.hint, transient: false }))))

    const appendSql = `SELECT stream_version AS version, first_position::float8 AS first, reused
      FROM ${schema}.append($1, $2, $3, $4::uuid[], $5, $6::timestamptz[], $7, $8, $9::integer[], $10::json[], $11)`

    const append: EventStore.Service["append"] = (stream, events, expectedVersion) =>
      Effect.gen(function* () {
        yield* EventStore.checkAppend(stream, events)
        const [result] = yield* query<{ version: number; first: number | null; reused: boolean }>("append", appendSql, [
          stream.aggregateType,
          stream.aggregateId,
          EventStore.expectedNumber(expectedVersion) ?? null,
          events.map((e) => e.eventId),
          events.map((e) => e.type),
          events.map((e) => DateTime.formatIso(e.occurredAt)),
          events.map((e) => e.correlationId),
          events.map((e) => e.causationId),
          events.map((e) => e.schemaVersion),
          events.map((e) => JSON.stringify(e.payload ?? null)),
          channel
        ])
        const { first, reused, version } = result!
        if (reused) {
          const retry = yield* EventStore.matchReappend(stream, events, yield* storedWithIds(events))
          if (Option.isSome(retry)) return retry.value
        }
        yield* EventStore.checkExpectedVersion(stream, expectedVersion, version)
        if (first === null) return []
        yield* raise(first + events.length - 1)
        return events.map((e, i): EventEnvelope.EventEnvelope => ({ ...e, version: version + i + 1, position: first + i }))
      })

    const readPage = (operation: string, from: number, batchSize: number) =>
      read(operation, `SELECT ${envelopeColumns} FROM ${table} WHERE position >= $1 ORDER BY position LIMIT $2`, [from, batchSize])

    const service: EventStore.Service = {
      append,
      readStream: (stream, options) =>
        read(
          "readStream",
          `SELECT ${envelopeColumns} FROM ${table} WHERE aggregate_type = $1 AND aggregate_id = $2 AND version >= $3 ORDER BY version`,
          [stream.aggregateType, stream.aggregateId, options?.fromVersion ?? 1]
        ),
      ...EventStore.pagedReads(readPage, latest.changes, pollInterval),
      currentPosition: Effect.map(
        query<{ position: number }>("currentPosition", `SELECT coalesce(max(position), 0)::float8 AS position FROM ${table}`),
        (rows) => rows[0]!.position
      )
    }
    return service
  })

/** The `EventStore` port on the PostgreSQL database at `config.url`, for the lifetime of the layer. */
export const layer = (config: Config): Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> => {
  const store = EventStoreUrl.redact(config.url)
  return Layer.scoped(EventStore.EventStore, make({ store, schema: config.schema, pollInterval: config.pollInterval })).pipe(
    Layer.provide(
      Layer.catchAll(
        PgClient.layer({ url: Redacted.make(config.url), maxConnections: config.maxConnections, applicationName: "cim-nix" }),
        (error) => Layer.fail(unavailable(store, "open")(error))
      )
    )
  )
}
