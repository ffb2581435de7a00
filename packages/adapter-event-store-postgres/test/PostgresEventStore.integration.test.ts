import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Fiber, Layer, Schedule, Stream } from "effect"
import { EventStore } from "@cim-nix/application"
import { EventStoreContract, TestEvents } from "@cim-nix/application/testing"
import { PostgresEventStore } from "../src/index.js"
import { freshSchema, freshStore, temporaryDatabase } from "./support/database.js"
import { exec } from "../src/testing.js"

const url = temporaryDatabase()

// The port's contract suite, unchanged: every build of the layer is a new, empty schema.
EventStoreContract.suite("PostgreSQL", freshStore(url))

const stream = { aggregateType: "Flake", aggregateId: "pg" }

/** A service built on its own pool, as another process would have it. */
const open = (schema: string, config: Partial<PostgresEventStore.Config> = {}) =>
  Effect.map(Layer.build(PostgresEventStore.layer({ url, schema, ...config })), Context.get(EventStore.EventStore))

const sql = (statement: string) => exec(url, statement)

describe("PostgreSQL event store", () => {
  it.scoped("two stores on separate pools race on one stream: nothing lost, nothing twice, each sees the other's appends", () =>
    Effect.gen(function* () {
      const schema = freshSchema()
      // A subscription that never polls: it only wakes on the other store's notifications.
      const first = yield* open(schema, { pollInterval: "1 hour" })
      const second = yield* open(schema, { maxConnections: 3 })
      const seen = yield* first.subscribe().pipe(Stream.take(120), Stream.runCollect, Effect.fork)
      const appendWithRetry = (store: EventStore.Service) =>
        Effect.gen(function* () {
          for (;;) {
            const version = (yield* store.readStream(stream)).length
            const result = yield* Effect.either(store.append(stream, TestEvents.newEvents(stream, 2), version))
            if (Either.isRight(result)) return result.right
            expect(result.left._tag).toBe("ConcurrencyConflict")
          }
        })
      const written = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? first : second)),
        appendWithRetry,
        { concurrency: 8 }
      )
      const all = yield* first.readStream(stream)
      expect(all.map((e) => e.version)).toEqual(all.map((_, i) => i + 1))
      expect(new Set(all.map((e) => e.eventId))).toEqual(new Set(written.flat().map((e) => e.eventId)))
      expect(TestEvents.plain(yield* second.readStream(stream))).toEqual(TestEvents.plain(all))
      const live = yield* Fiber.join(seen).pipe(Effect.timeout("10 seconds"))
      expect(TestEvents.plain(Array.from(live))).toEqual(TestEvents.plain(all))
      expect(yield* second.currentPosition).toBe(all[119]!.position)
    }), 60_000)

  it.scoped("stops at an event that no longer decodes and says which and why", () =>
    Effect.gen(function* () {
      const schema = freshSchema()
      const store = yield* open(schema)
      const stored = yield* store.append(stream, TestEvents.newEvents(stream, 3), "no-stream")
      yield* sql(`UPDATE ${schema}.events SET schema_version = 0 WHERE position = ${stored[1]!.position}`)
      const error = yield* Effect.flip(Stream.runCollect(store.readAll({ batchSize: 1 })))
      expect(error._tag === "CorruptEvent" && [error.position, error.eventId, error.transient]).toEqual([
        stored[1]!.position,
        stored[1]!.eventId,
        false
      ])
      expect(error.message).toMatch(/schemaVersion/)
      expect((yield* Effect.flip(store.readStream(stream)))._tag).toBe("CorruptEvent")
    }))

  it.scoped("migrates a new schema once, keeps data on reopening, and refuses a schema from a newer version", () =>
    Effect.gen(function* () {
      const schema = freshSchema()
      const [a, b] = yield* Effect.all([open(schema), open(schema)], { concurrency: 2 })
      const stored = yield* a!.append(stream, TestEvents.newEvents(stream, 2), "no-stream")
      expect(TestEvents.plain(yield* b!.readStream(stream))).toEqual(TestEvents.plain(stored))
      expect(yield* sql(`SELECT applied FROM ${schema}.schema_version`)).toEqual([{ applied: 1 }])
      yield* sql(`UPDATE ${schema}.schema_version SET applied = 99`)
      const refused = yield* Effect.flip(open(schema))
      expect([refused._tag, refused.transient]).toEqual(["StoreUnavailable", false])
      expect(refused.message).toMatch(/version 99/)
    }))

  it.live("closing a store right after opening it closes every connection it opened, the listening one too", () =>
    Effect.gen(function* () {
      yield* Effect.scoped(Effect.flatMap(open(freshSchema()), (store) => store.currentPosition))
      const left = sql(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'cim-nix'`
      )
      // A backend goes a moment after its client hung up; a leaked connection stays.
      yield* left.pipe(Effect.repeat({ until: (rows) => (rows[0] as { n?: number } | undefined)?.n === 0, schedule: Schedule.spaced("100 millis"), times: 30 }))
      expect(yield* left).toEqual([{ n: 0 }])
    }))

  it.scoped("reports an unreachable server as transient, without the password", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.flip(
        Layer.build(PostgresEventStore.layer({ url: "postgres://cim:secret@127.0.0.1:1/none" }))
      )
      expect([refused._tag, refused.operation, refused.transient]).toEqual(["StoreUnavailable", "open", true])
      expect(refused.store).toBe("postgres://cim@127.0.0.1:1/none")
      expect(`${refused.message} ${refused.hint}`).not.toContain("secret")
    }))

  it.scoped("refuses a schema name that is not a plain identifier", () =>
    Effect.gen(function* () {
      const refused = yield* Effect.flip(open("x; DROP TABLE y"))
      expect([refused._tag, refused.transient]).toEqual(["StoreUnavailable", false])
    }))
})
