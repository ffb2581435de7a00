/**
 * The `ProjectionStore` port on SQLite, beside the events in the shared database file: one row
 * per document (`projection_documents`, JSON text) and one per checkpoint. A commit is one write
 * transaction running prepared single-row statements, so documents and checkpoints move
 * together and replaying many events stays cheap.
 */
import { Effect, Either, Layer, Option } from "effect"
import { EventStore, ProjectionStore } from "@cim-nix/application"
import * as SqliteDatabase from "./SqliteDatabase.js"

type Document = readonly [key: string, value: string]

/** Builds the store on the open database. */
export const make: Effect.Effect<ProjectionStore.Service, never, SqliteDatabase.SqliteDatabase> = Effect.gen(function* () {
  const db = yield* SqliteDatabase.SqliteDatabase
  const prepare = <P extends Array<unknown>, R>(sql: string) => db.connection.prepare<P, R>(sql)
  const checkpoint = prepare<[projection: string], readonly [position: number, version: number]>(
    "SELECT position, version FROM projection_checkpoints WHERE projection = ?"
  ).raw(true)
  const document = prepare<[projection: string, key: string], string>(
    "SELECT value FROM projection_documents WHERE projection = ? AND key = ?"
  ).pluck(true)
  const first = prepare<[projection: string, limit: number], Document>(
    "SELECT key, value FROM projection_documents WHERE projection = ? ORDER BY key LIMIT ?"
  ).raw(true)
  const after = prepare<[projection: string, after: string, limit: number], Document>(
    "SELECT key, value FROM projection_documents WHERE projection = ? AND key > ? ORDER BY key LIMIT ?"
  ).raw(true)
  const upsert = prepare<[projection: string, key: string, value: string], never>(
    `INSERT INTO projection_documents (projection, key, value) VALUES (?, ?, ?)
     ON CONFLICT (projection, key) DO UPDATE SET value = excluded.value`
  )
  const remove = prepare<[projection: string, key: string], never>("DELETE FROM projection_documents WHERE projection = ? AND key = ?")
  const setCheckpoint = prepare<[projection: string, position: number, version: number], never>(
    `INSERT INTO projection_checkpoints (projection, position, version) VALUES (?, ?, ?)
     ON CONFLICT (projection) DO UPDATE SET position = excluded.position, version = excluded.version`
  )
  const removeAll = prepare<[projection: string], never>("DELETE FROM projection_documents WHERE projection = ?")
  const removeCheckpoint = prepare<[projection: string], never>("DELETE FROM projection_checkpoints WHERE projection = ?")

  /** The stored documents with their JSON parsed; a document that is not JSON is a broken store. */
  const parsed = (projection: string, documents: ReadonlyArray<Document>) =>
    Either.gen(function* () {
      const result: Array<readonly [string, unknown]> = []
      for (const [key, value] of documents) {
        result.push([key, yield* Either.try({
          try: () => JSON.parse(value) as unknown,
          catch: (error) =>
            new EventStore.StoreUnavailable({
              store: db.store,
              operation: "read",
              message: `document ${JSON.stringify(key)} of read model ${projection} in ${db.store} is not JSON: ${(error as Error).message}`,
              hint: "The read model was changed outside cim-nix: rebuild the read models.",
              transient: false
            })
        })])
      }
      return result
    })

  return {
    checkpoint: (projection) =>
      db.read("checkpoint", () => {
        const row = checkpoint.get(projection)
        return row === undefined ? Option.none() : Option.some({ position: row[0], version: row[1] })
      }),
    get: (projection, keys) =>
      Effect.flatMap(
        db.read("get", () =>
          keys.flatMap((key): Array<Document> => {
            const value = document.get(projection, key)
            return value === undefined ? [] : [[key, value]]
          })),
        (found) => Either.map(parsed(projection, found), (entries) => new Map(entries))
      ),
    list: (projection, options) => {
      const limit = options?.limit ?? ProjectionStore.defaultListLimit
      return Effect.flatMap(
        db.read("list", () => options?.after === undefined ? first.all(projection, limit) : after.all(projection, options.after, limit)),
        (found) => parsed(projection, found)
      )
    },
    commit: (commits) =>
      db.write("commit", () => {
        for (const commit of commits) {
          for (const [key, doc] of commit.documents) {
            if (doc === undefined) remove.run(commit.projection, key)
            else upsert.run(commit.projection, key, JSON.stringify(doc))
          }
          setCheckpoint.run(commit.projection, commit.checkpoint.position, commit.checkpoint.version)
        }
        return Either.void
      }),
    reset: (projection) =>
      db.write("reset", () => {
        removeAll.run(projection)
        removeCheckpoint.run(projection)
        return Either.void
      })
  }
})

/** The `ProjectionStore` port on the `SqliteDatabase` in context. */
export const layer: Layer.Layer<ProjectionStore.ProjectionStore, never, SqliteDatabase.SqliteDatabase> = Layer.effect(
  ProjectionStore.ProjectionStore,
  make
)
