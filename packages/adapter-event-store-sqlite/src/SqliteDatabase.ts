/**
 * The SQLite file the embedded event store and projection store share, on the better-sqlite3
 * driver: opened once per process in WAL mode with a busy timeout, its schema brought up to
 * date by numbered migrations (the file's `PRAGMA user_version` is the number of migrations
 * applied), and write transactions that take the write lock up front (`BEGIN IMMEDIATE`), so
 * that of two processes appending at once one waits for the other instead of failing half-way.
 * The driver is synchronous: the stores prepare their statements once on `connection` and run
 * them inside `read` and `write`, which turn SQLite errors into `StoreUnavailable`.
 */
import Sqlite from "better-sqlite3"
import { Context, Duration, Effect, Either, Layer, Schedule } from "effect"
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

/** The open database. */
export interface Service {
  /** `sqlite:<file>`, the name errors give the store. */
  readonly store: string
  /** The driver's connection, on which the stores prepare their statements once. */
  readonly connection: Sqlite.Database
  /** Runs `body` (statements outside any transaction: a read sees the last committed state). */
  readonly read: <A>(operation: string, body: () => A) => Effect.Effect<A, EventStore.StoreUnavailable>
  /** Runs one statement outside any transaction and returns its rows (for one-off statements). */
  readonly query: (
    operation: string,
    sql: string,
    params?: ReadonlyArray<unknown>
  ) => Effect.Effect<ReadonlyArray<Record<string, unknown>>, EventStore.StoreUnavailable>
  /**
   * Runs `body` in a write transaction holding the database's write lock: committed when it
   * returns `Right`, rolled back when it returns `Left` (the error) or throws (`StoreUnavailable`).
   */
  readonly write: <A, E>(operation: string, body: () => Either.Either<A, E>) => Effect.Effect<A, E | EventStore.StoreUnavailable>
}

/** The open database, provided by `layer`. */
export class SqliteDatabase extends Context.Tag("@cim-nix/adapter-event-store-sqlite/SqliteDatabase")<SqliteDatabase, Service>() {}

/** The SQLite error code behind a thrown error (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...). */
export const errorCode = (error: unknown): string | undefined =>
  error instanceof Sqlite.SqliteError ? error.code : undefined

const unavailable = (store: string, operation: string, error: unknown) => {
  const code = errorCode(error)
  const busy = code === "SQLITE_BUSY" || code === "SQLITE_LOCKED"
  return new EventStore.StoreUnavailable({
    store,
    operation,
    message: `${operation} on ${store} failed${code === undefined ? "" : ` (${code})`}: ${error instanceof Error ? error.message : String(error)}`,
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

/** A `write` body's error, carried through the driver's transaction so that it rolls back. */
class Rollback {
  constructor(readonly error: unknown) {}
}

const make = (store: string, connection: Sqlite.Database): Service => {
  const read: Service["read"] = (operation, body) =>
    Effect.try({ try: body, catch: (error) => unavailable(store, operation, error) })
  const transaction = connection.transaction((body: () => Either.Either<unknown, unknown>) => {
    const result = body()
    if (Either.isLeft(result)) throw new Rollback(result.left)
    return result.right
  })
  return {
    store,
    connection,
    read,
    query: (operation, sql, params = []) =>
      read(operation, () => {
        const statement = connection.prepare(sql)
        return statement.reader ? (statement.all(...params) as Array<Record<string, unknown>>) : (statement.run(...params), [])
      }),
    write: <A, E>(operation: string, body: () => Either.Either<A, E>) =>
      Effect.suspend((): Effect.Effect<A, E | EventStore.StoreUnavailable> => {
        try {
          return Effect.succeed(transaction.immediate(body) as A)
        } catch (error) {
          return Effect.fail(error instanceof Rollback ? (error.error as E) : unavailable(store, operation, error))
        }
      })
  }
}

const open = (config: Config) =>
  Effect.gen(function* () {
    const store = `sqlite:${config.filename}`
    const connection = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          if (config.filename !== ":memory:") mkdirSync(dirname(config.filename), { recursive: true })
          const connection = new Sqlite(config.filename, { timeout: Duration.toMillis(config.busyTimeout ?? "5 seconds") })
          try {
            connection.pragma("journal_mode = WAL")
            connection.pragma(`synchronous = ${config.synchronous === "normal" ? "NORMAL" : "FULL"}`)
          } catch (error) {
            connection.close()
            throw error
          }
          return connection
        },
        catch: (error) => unavailable(store, "open", error)
      }).pipe(
        // Switching a new file to WAL needs its lock at once (SQLite does not wait on the busy
        // timeout for it): another process opening the same new file is retried, not an error.
        Effect.retry({ while: (error) => error.transient, schedule: Schedule.spaced("20 millis").pipe(Schedule.upTo(config.busyTimeout ?? "5 seconds")) })
      ),
      (connection) => Effect.sync(() => connection.close())
    )
    const service = make(store, connection)
    yield* migrate(service)
    return service
  })

const migrate = (db: Service) =>
  db.write("migrate", () => {
    const applied = Number(db.connection.pragma("user_version", { simple: true }))
    if (applied > migrations.length) {
      return Either.left(
        new EventStore.StoreUnavailable({
          store: db.store,
          operation: "migrate",
          message: `${db.store} has schema version ${applied}; this cim-nix knows up to ${migrations.length}`,
          hint: "The file was written by a newer cim-nix: upgrade cim-nix, or point it at another file.",
          transient: false
        })
      )
    }
    for (const statements of migrations.slice(applied)) {
      for (const statement of statements) db.connection.exec(statement)
    }
    if (applied < migrations.length) db.connection.pragma(`user_version = ${migrations.length}`)
    return Either.void
  })

/** Opens (and migrates) the database file for the lifetime of the layer. */
export const layer = (config: Config): Layer.Layer<SqliteDatabase, EventStore.StoreUnavailable> =>
  Layer.scoped(SqliteDatabase, open(config))
