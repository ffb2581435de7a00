/**
 * The SQLite file the embedded event store and projection store share: opened once per
 * process in WAL mode with a busy timeout, its schema brought up to date by numbered
 * migrations (the file's `PRAGMA user_version` is the number of migrations applied), and write
 * transactions that take the write lock up front (`BEGIN IMMEDIATE`), so that of two processes
 * appending at once one waits for the other instead of failing half-way.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type { Connection } from "@effect/sql/SqlConnection"
import { SqlError } from "@effect/sql/SqlError"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Context, Duration, Effect, Exit, Layer } from "effect"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { EventStore } from "@cim-nix/application"

/** How to open the database. */
export interface Config {
  /** The database file; its directory is created when missing. */
  readonly filename: string
  /**
   * `"full"` (default): an acknowledged append survives a power loss. `"normal"`: it survives a
   * crash of the process (WAL), the last appends may be lost with the machine.
   */
  readonly synchronous?: "full" | "normal" | undefined
  /** How long to wait for another process's write lock before failing with `StoreUnavailable` (default 5 s). */
  readonly busyTimeout?: Duration.DurationInput | undefined
}

/** Runs one SQL statement with positional parameters and returns its rows. */
export type Run = (sql: string, params?: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, SqlError>

/** The open database. */
export interface Service {
  /** `sqlite:<file>`, the name errors give the store. */
  readonly store: string
  /** Runs a statement outside any transaction (a read sees the last committed state). */
  readonly query: (
    operation: string,
    sql: string,
    params?: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, EventStore.StoreUnavailable>
  /**
   * Runs `body` in a write transaction holding the database's write lock: committed when `body`
   * succeeds, rolled back when it fails or is interrupted. SQL errors that `body` lets through
   * become `StoreUnavailable`.
   */
  readonly write: <A, E>(
    operation: string,
    body: (run: Run) => Effect.Effect<A, E>
  ) => Effect.Effect<A, Exclude<E, SqlError> | EventStore.StoreUnavailable>
}

/** The open database, provided by `layer`. */
export class SqliteDatabase extends Context.Tag("@cim-nix/adapter-event-store-sqlite/SqliteDatabase")<SqliteDatabase, Service>() {}

/** The SQLite error code behind a failed statement (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...). */
export const errorCode = (error: SqlError): string | undefined => {
  const cause = error.cause as { readonly code?: unknown } | undefined
  return typeof cause?.code === "string" ? cause.code : undefined
}

const unavailable = (store: string, operation: string, error: unknown) => {
  const code = error instanceof SqlError ? errorCode(error) : undefined
  const busy = code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
  const detail = error instanceof SqlError ? String((error.cause as Error | undefined)?.message ?? error.message) : String(error)
  return new EventStore.StoreUnavailable({
    store,
    operation,
    message: `${operation} on ${store} failed${code === undefined ? "" : ` (${code})`}: ${detail}`,
    hint: busy
      ? "Another process holds the database's write lock: retry, or raise the busy timeout."
      : "Check that the file and its directory exist, are writable and not corrupt (sqlite3 <file> 'PRAGMA integrity_check').",
    transient: busy
  })
}

/** The schema, one migration per entry; a file at `user_version` n has had the first n applied. */
const migrations: ReadonlyArray<ReadonlyArray<string>> = [
  [
    `CREATE TABLE events (
      position INTEGER PRIMARY KEY,
      event_id TEXT NOT NULL UNIQUE,
      aggregate_type TEXT NOT NULL,
      aggregate_id TEXT NOT NULL,
      version INTEGER NOT NULL CHECK (version > 0),
      type TEXT NOT NULL,
      occurred_at TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      causation_id TEXT NOT NULL,
      schema_version INTEGER NOT NULL,
      payload TEXT NOT NULL,
      UNIQUE (aggregate_type, aggregate_id, version)
    )`
  ],
  [
    `CREATE TABLE projection_documents (
      projection TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (projection, key)
    ) WITHOUT ROWID`,
    `CREATE TABLE projection_checkpoints (
      projection TEXT PRIMARY KEY,
      position INTEGER NOT NULL,
      version INTEGER NOT NULL
    )`
  ]
]

/** The number of migrations this version of the adapter knows. */
export const schemaVersion = migrations.length

const open = (config: Config) =>
  Effect.gen(function* () {
    const store = `sqlite:${config.filename}`
    if (config.filename !== ":memory:") {
      yield* Effect.try({
        try: () => mkdirSync(dirname(config.filename), { recursive: true }),
        catch: (cause) => unavailable(store, "open", cause)
      })
    }
    const client = yield* SqliteClient.make({ filename: config.filename }).pipe(
      Effect.provide(Reactivity.layer),
      Effect.catchAllDefect((defect) => Effect.fail(unavailable(store, "open", defect)))
    )
    const run = (connection: Connection): Run => (sql, params = []) => connection.execute(sql, params, undefined)

    const write: Service["write"] = (operation, body) =>
      Effect.scoped(Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const conn = yield* client.reserve
          yield* conn.execute("BEGIN IMMEDIATE", [], undefined)
          const exit = yield* Effect.exit(restore(body(run(conn))))
          if (Exit.isSuccess(exit)) {
            const committed = yield* Effect.exit(conn.execute("COMMIT", [], undefined))
            if (Exit.isSuccess(committed)) return exit.value
            yield* Effect.ignore(conn.execute("ROLLBACK", [], undefined))
            return yield* Effect.failCause(committed.cause)
          }
          yield* Effect.ignore(conn.execute("ROLLBACK", [], undefined))
          return yield* exit
        })
      )).pipe(Effect.catchIf((e): e is SqlError => e instanceof SqlError, (e) => Effect.fail(unavailable(store, operation, e))))

    const service: Service = {
      store,
      query: (operation, sql, params) =>
        Effect.mapError(client.unsafe<Record<string, unknown>>(sql, params), (e) => unavailable(store, operation, e)),
      write
    }

    yield* Effect.mapError(
      Effect.scoped(Effect.gen(function* () {
        const conn = yield* client.reserve
        yield* conn.executeUnprepared(`PRAGMA synchronous = ${config.synchronous === "normal" ? "NORMAL" : "FULL"}`, [], undefined)
        yield* conn.executeUnprepared(`PRAGMA busy_timeout = ${Duration.toMillis(config.busyTimeout ?? "5 seconds")}`, [], undefined)
      })),
      (e) => unavailable(store, "open", e)
    )
    yield* migrate(service)
    return service
  })

const migrate = (db: Service) =>
  db.write("migrate", (run) =>
    Effect.gen(function* () {
      const [row] = yield* run("PRAGMA user_version")
      const applied = Number(row?.["user_version"] ?? 0)
      if (applied > migrations.length) {
        return yield* new EventStore.StoreUnavailable({
          store: db.store,
          operation: "migrate",
          message: `${db.store} has schema version ${applied}; this cim-nix knows up to ${migrations.length}`,
          hint: "The file was written by a newer cim-nix: upgrade cim-nix, or point it at another file.",
          transient: false
        })
      }
      for (const statements of migrations.slice(applied)) {
        for (const statement of statements) yield* run(statement)
      }
      if (applied < migrations.length) yield* run(`PRAGMA user_version = ${migrations.length}`)
    }))

/** Opens (and migrates) the database file for the lifetime of the layer. */
export const layer = (config: Config): Layer.Layer<SqliteDatabase, EventStore.StoreUnavailable> =>
  Layer.scoped(SqliteDatabase, open(config))
