/**
 * The `ProjectionStore` port on SQLite, beside the events in the shared database file: one row
 * per document (`projection_documents`, JSON text) and one per checkpoint. A commit is one write
 * transaction, so documents and checkpoints move together, and upserts go in multi-row
 * statements so that replaying many events stays cheap.
 */
import { Effect, Layer, Option } from "effect"
import { EventStore, ProjectionStore } from "@cim-nix/application"
import * as SqliteDatabase from "./SqliteDatabase.js"

const chunkSize = 300

const chunks = <A>(items: ReadonlyArray<A>): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / chunkSize) }, (_, i) => items.slice(i * chunkSize, (i + 1) * chunkSize))

const marks = (count: number, row: string) => Array.from({ length: count }, () => row).join(", ")

/** Builds the store on the open database. */
export const make: Effect.Effect<ProjectionStore.Service, never, SqliteDatabase.SqliteDatabase> = Effect.gen(function* () {
  const db = yield* SqliteDatabase.SqliteDatabase
  const rows = (projection: string, result: ReadonlyArray<Record<string, unknown>>) =>
    Effect.forEach(result, (row) =>
      Effect.try({
        try: () => [String(row["key"]), JSON.parse(String(row["value"])) as unknown] as const,
        catch: (error) =>
          new EventStore.StoreUnavailable({
            store: db.store,
            operation: "read",
            message: `document ${JSON.stringify(row["key"])} of read model ${projection} in ${db.store} is not JSON: ${(error as Error).message}`,
            hint: "The read model was changed outside cim-nix: rebuild the read models.",
            transient: false
          })
      }))

  return {
    checkpoint: (projection) =>
      Effect.map(
        db.query("checkpoint", "SELECT position, version FROM projection_checkpoints WHERE projection = ?", [projection]),
        ([row]) =>
          row === undefined ? Option.none() : Option.some({ position: Number(row["position"]), version: Number(row["version"]) })
      ),
    get: (projection, keys) =>
      Effect.forEach(chunks(keys), (chunk) =>
        db.query(
          "get",
          `SELECT key, value FROM projection_documents WHERE projection = ? AND key IN (${marks(chunk.length, "?")})`,
          [projection, ...chunk]
        ).pipe(Effect.flatMap((result) => rows(projection, result)))).pipe(Effect.map((found) => new Map(found.flat()))),
    list: (projection, options) =>
      Effect.flatMap(
        options?.after === undefined
          ? db.query(
            "list",
            "SELECT key, value FROM projection_documents WHERE projection = ? ORDER BY key LIMIT ?",
            [projection, options?.limit ?? ProjectionStore.defaultListLimit]
          )
          : db.query(
            "list",
            "SELECT key, value FROM projection_documents WHERE projection = ? AND key > ? ORDER BY key LIMIT ?",
            [projection, options.after, options.limit ?? ProjectionStore.defaultListLimit]
          ),
        (result) => rows(projection, result)
      ),
    commit: (commits) =>
      db.write("commit", (run) =>
        Effect.forEach(commits, (commit) =>
          Effect.gen(function* () {
            const entries = Array.from(commit.documents)
            const upserts = entries.filter(([, doc]) => doc !== undefined)
            const deletes = entries.filter(([, doc]) => doc === undefined).map(([key]) => key)
            for (const chunk of chunks(upserts)) {
              yield* run(
                `INSERT INTO projection_documents (projection, key, value) VALUES ${marks(chunk.length, "(?, ?, ?)")}
                 ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value`,
                chunk.flatMap(([key, doc]) => [commit.projection, key, JSON.stringify(doc)])
              )
            }
            for (const chunk of chunks(deletes)) {
              yield* run(
                `DELETE FROM projection_documents WHERE projection = ? AND key IN (${marks(chunk.length, "?")})`,
                [commit.projection, ...chunk]
              )
            }
            yield* run(
              `INSERT INTO projection_checkpoints (projection, position, version) VALUES (?, ?, ?)
               ON CONFLICT (projection) DO UPDATE SET position = excluded.position, version = excluded.version`,
              [commit.projection, commit.checkpoint.position, commit.checkpoint.version]
            )
          }), { discard: true })),
    reset: (projection) =>
      db.write("reset", (run) =>
        Effect.zipRight(
          run("DELETE FROM projection_documents WHERE projection = ?", [projection]),
          run("DELETE FROM projection_checkpoints WHERE projection = ?", [projection])
        ).pipe(Effect.asVoid))
  }
})

/** The `ProjectionStore` port on the `SqliteDatabase` in context. */
export const layer: Layer.Layer<ProjectionStore.ProjectionStore, never, SqliteDatabase.SqliteDatabase> = Layer.effect(
  ProjectionStore.ProjectionStore,
  make
)
