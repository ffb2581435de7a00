import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option, Schema, Stream } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { EventStore, Projection, ProjectionRunner, ProjectionStore } from "@cim-nix/application"
import { EventStoreContract, TestEvents } from "@cim-nix/application/testing"
import { SqliteDatabase, SqliteEventStore, SqliteProjectionStore } from "../src/index.js"

/** A store on a new file in a new temporary directory, removed with the layer. */
const fresh = Layer.unwrapScoped(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "cim-nix-sqlite-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => SqliteEventStore.layerFile({ filename: join(dir, "events.sqlite") })
  )
)

EventStoreContract.suite("SQLite", fresh)

const stream = { aggregateType: "Flake", aggregateId: "corrupt" }

describe("SQLite event store", () => {
  const tempFile = Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "cim-nix-sqlite-"))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  ).pipe(Effect.map((dir) => join(dir, "events.sqlite")))

  const open = (filename: string) => SqliteEventStore.layer().pipe(Layer.provideMerge(SqliteDatabase.layer({ filename })))

  it.scoped("stops at an event that no longer decodes and says which and why", () =>
    Effect.gen(function* () {
      const filename = yield* tempFile
      yield* Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        const db = yield* SqliteDatabase.SqliteDatabase
        const stored = yield* store.append(stream, TestEvents.newEvents(stream, 3), "no-stream")
        yield* db.query("test", "UPDATE events SET payload = '{not json' WHERE position = 2")
        yield* db.query("test", "UPDATE events SET occurred_at = 'yesterday' WHERE position = 3")
        for (const read of [
          Stream.runDrain(store.readAll()),
          Effect.asVoid(store.readStream(stream)),
          Stream.runDrain(store.readAll({ fromPosition: 3 })),
          Stream.runDrain(store.readAllEncoded()),
          Stream.runDrain(store.readAllEncoded({ fromPosition: 3 })),
          Stream.runDrain(Stream.take(store.subscribe(), 3))
        ]) {
          const error = yield* Effect.flip(read)
          expect(error._tag).toBe("CorruptEvent")
        }
        const first = yield* Effect.flip(Stream.runCollect(store.readAll({ batchSize: 1 })))
        expect(first._tag === "CorruptEvent" && [first.position, first.eventId, first.transient]).toEqual([2, stored[1]!.eventId, false])
        expect(first._tag === "CorruptEvent" && first.reason).toMatch(/payload is not JSON/)
        const third = yield* Effect.flip(Stream.runCollect(store.readAll({ fromPosition: 3 })))
        expect(third._tag === "CorruptEvent" && [third.position, third.reason]).toEqual([3, expect.stringMatching(/yesterday/)])
        // The JSON form stops at the same events, with the same errors.
        expect(yield* Effect.flip(Stream.runCollect(store.readAllEncoded({ batchSize: 1 })))).toEqual(first)
        expect(yield* Effect.flip(Stream.runCollect(store.readAllEncoded({ fromPosition: 3 })))).toEqual(third)
        expect(yield* Stream.runCollect(Stream.take(store.readAllEncoded({ batchSize: 1 }), 1)).pipe(Effect.map((c) => c.length))).toBe(1)
        expect(yield* Stream.runCollect(Stream.take(store.readAll({ batchSize: 1 }), 1)).pipe(Effect.map((c) => c.length))).toBe(1)
      }).pipe(Effect.provide(open(filename)))
    }))

  it.scoped("a catch-up or a follow stopped by a row the store cannot read applies and commits every event before it", () =>
    Effect.gen(function* () {
      const filename = yield* tempFile
      const Count = Schema.Struct({ n: Schema.Number, last: Schema.Number })
      const counter: Projection.Projection<typeof Count.Type, typeof Count.Encoded, unknown> = {
        name: "count",
        version: 1,
        document: Count,
        keys: () => ["all"],
        apply: Projection.eachEvent((doc: Option.Option<typeof Count.Encoded>, _, envelope) =>
          Option.some({ n: Option.match(doc, { onNone: () => 1, onSome: (d) => d.n + 1 }), last: envelope.position }))
      }
      const config = { projections: [counter], check: Either.right }
      yield* Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        const db = yield* SqliteDatabase.SqliteDatabase
        yield* store.append(stream, TestEvents.newEvents(stream, 2500), "no-stream")
        yield* db.query("test", "UPDATE events SET occurred_at = 'yesterday' WHERE position = 2345")
        const projections = yield* ProjectionStore.ProjectionStore
        // Following the store (which reads pages of 500) stops there too.
        const followed = yield* Effect.flip(ProjectionRunner.follow(config))
        expect(followed._tag === "CorruptEvent" && followed.position).toBe(2345)
        expect(yield* projections.checkpoint("count")).toEqual(Option.some({ position: 2344, version: 1 }))
        const error = yield* Effect.flip(ProjectionRunner.rebuild(config))
        expect(error._tag === "CorruptEvent" && error.position).toBe(2345)
        expect(yield* projections.checkpoint("count")).toEqual(Option.some({ position: 2344, version: 1 }))
        expect((yield* projections.get("count", ["all"])).get("all")).toEqual({ n: 2344, last: 2344 })
        // Once the row is repaired, the next catch-up goes on from there.
        yield* db.query("test", "UPDATE events SET occurred_at = '2024-05-01T12:00:00.000Z' WHERE position = 2345")
        expect(yield* ProjectionRunner.catchUp(config)).toBe(2500)
        expect((yield* projections.get("count", ["all"])).get("all")).toEqual({ n: 2500, last: 2500 })
      }).pipe(Effect.provide(Layer.merge(open(filename), SqliteProjectionStore.layer.pipe(Layer.provide(SqliteDatabase.layer({ filename }))))))
    }))

  it.scoped("migrates a new file, keeps data on reopening, and refuses a file from a newer schema", () =>
    Effect.gen(function* () {
      const filename = yield* tempFile
      const version = Effect.flatMap(SqliteDatabase.SqliteDatabase, (db) => db.query("test", "PRAGMA user_version"))
      expect(yield* Effect.provide(version, SqliteDatabase.layer({ filename }))).toEqual([{ user_version: SqliteDatabase.schemaVersion }])
      const stored = yield* Effect.provide(
        Effect.flatMap(EventStore.EventStore, (s) => s.append(stream, TestEvents.newEvents(stream, 2), "no-stream")),
        open(filename)
      )
      const reread = yield* Effect.provide(Effect.flatMap(EventStore.EventStore, (s) => s.readStream(stream)), open(filename))
      expect(TestEvents.plain(reread)).toEqual(TestEvents.plain(stored))
      yield* Effect.provide(
        Effect.flatMap(SqliteDatabase.SqliteDatabase, (db) => db.query("test", "PRAGMA user_version = 99")),
        SqliteDatabase.layer({ filename })
      )
      const refused = yield* Effect.flip(Effect.provide(Effect.void, open(filename)))
      expect([refused._tag, refused.transient]).toEqual(["StoreUnavailable", false])
      expect(refused.message).toMatch(/schema version 99/)
    }))
})
