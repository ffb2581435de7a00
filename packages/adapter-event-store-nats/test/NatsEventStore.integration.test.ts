import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { connect, headers } from "@nats-io/transport-node"
import { Context, Effect, Layer, Stream } from "effect"
import { EventStore } from "@cim-nix/application"
import { EventStoreContract, TestEvents } from "@cim-nix/application/testing"
import { NatsEventStore } from "../src/index.js"
import * as NatsServer from "./support/natsServer.js"

let server: NatsServer.Server
beforeAll(async () => {
  server = await NatsServer.start()
})
afterAll(() => server.stop())

EventStoreContract.suite("NATS JetStream", NatsServer.freshStore(() => server))

const stream = { aggregateType: "Flake", aggregateId: "/home/me/flake" }

/** A raw JetStream manager on the test server, closed with the scope. */
const manager = Effect.acquireRelease(
  Effect.promise(() => connect({ servers: server.url })),
  (nc) => Effect.promise(() => nc.close())
).pipe(Effect.flatMap((nc) => Effect.promise(async () => ({ jsm: await jetstreamManager(nc), js: jetstream(nc) }))))

describe("NATS JetStream event store", () => {
  it.scoped("creates its stream with explicit settings and stores one message per append, ids in headers", () =>
    Effect.gen(function* () {
      const { jsm } = yield* manager
      const name = `SETTINGS_${process.pid}`
      const layer = NatsEventStore.layer({ servers: server.url, stream: name, subjectPrefix: `settings${process.pid}.events`, duplicateWindow: "3 minutes" })
      yield* Effect.addFinalizer(() => Effect.promise(() => jsm.streams.delete(name)))
      const stored = yield* Effect.provide(
        Effect.flatMap(EventStore.EventStore, (s) => s.append(stream, TestEvents.newEvents(stream, 3), "no-stream")),
        layer
      )
      const info = yield* Effect.promise(() => jsm.streams.info(name))
      expect(info.config).toMatchObject({
        subjects: [`settings${process.pid}.events.>`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: 0,
        max_msgs: -1,
        max_bytes: -1,
        duplicate_window: 180_000_000_000,
        deny_delete: true,
        deny_purge: true
      })
      expect(info.state.messages).toBe(1)
      const message = yield* Effect.promise(() => jsm.streams.getMessage(name, { seq: 1 }))
      expect(message!.subject).toBe(`settings${process.pid}.events.Flake.~002Fhome~002Fme~002Fflake`)
      expect(message!.header.get("Nats-Msg-Id")).toBe(stored[0]!.eventId)
      expect(message!.header.values("Cim-Event-Id")).toEqual(stored.map((e) => e.eventId))
      expect(message!.header.get("Cim-Stream-Version")).toBe("3")
      expect(message!.header.values("Cim-Correlation-Id")).toEqual(stored.map((e) => e.correlationId))
      expect(stored.map((e) => e.position)).toEqual([1, 2, 3])

      const other = NatsEventStore.layer({ servers: server.url, stream: name, subjectPrefix: `settings${process.pid}.events`, duplicateWindow: "1 minute" })
      const refused = yield* Effect.flip(Effect.provide(Effect.void, other))
      expect([refused.operation, refused.transient]).toEqual(["open", false])
      expect(refused.message).toMatch(/duplicate_window/)
    }))

  it.scoped("stops at a message that does not decode and says which and why", () =>
    Effect.gen(function* () {
      const { js } = yield* manager
      const names = NatsServer.freshNames()
      const bad = { aggregateType: "Flake", aggregateId: "bad" }
      yield* Effect.gen(function* () {
        const store = yield* EventStore.EventStore
        yield* store.append(stream, TestEvents.newEvents(stream, 1), "no-stream")
        yield* Effect.promise(() => js.publish(`${names.subjectPrefix}.Flake.bad`, "{not json"))
        const noVersion = headers()
        noVersion.set("Cim-Event-Id", "x")
        yield* Effect.promise(() => js.publish(`${names.subjectPrefix}.Flake.bad`, JSON.stringify([{}]), { headers: noVersion }))
        const first = yield* Effect.flip(Stream.runDrain(store.readAll()))
        expect(first._tag === "CorruptEvent" && [first.position, first.transient]).toEqual([NatsEventStore.positionOf(2, 0), false])
        expect(first._tag === "CorruptEvent" && first.reason).toMatch(/not JSON/)
        const second = yield* Effect.flip(Stream.runDrain(store.readAll({ fromPosition: NatsEventStore.positionOf(3, 0) })))
        expect(second._tag === "CorruptEvent" && second.reason).toMatch(/Cim-Stream-Version/)
        expect((yield* Effect.flip(store.readStream(bad)))._tag).toBe("CorruptEvent")
        expect((yield* Effect.flip(Stream.runDrain(store.subscribe())))._tag).toBe("CorruptEvent")
        expect((yield* Stream.runCollect(Stream.take(store.readAll(), 1))).length).toBe(1)
        // The JSON form stops at the same messages with the same errors, after the same events.
        expect(yield* Effect.flip(Stream.runDrain(store.readAllEncoded()))).toEqual(first)
        expect(yield* Effect.flip(Stream.runDrain(store.readAllEncoded({ fromPosition: NatsEventStore.positionOf(3, 0) })))).toEqual(second)
        expect((yield* Stream.runCollect(Stream.take(store.readAllEncoded(), 1))).length).toBe(1)
      }).pipe(Effect.provide(NatsServer.freshStore(() => server, names)))
    }))

  it.live("rejects an append that does not fit one message, storing nothing", () =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const many = yield* Effect.flip(store.append(stream, TestEvents.newEvents(stream, NatsEventStore.eventsPerMessage + 1), "any"))
      expect(many._tag === "AppendRejected" && many.reason).toBe("TooLarge")
      const oneCommand = (count: number, payload: unknown) =>
        TestEvents.newEvents(stream, count).map((e) => ({ ...e, correlationId: "c", causationId: "c", payload }))
      for (const events of [oneCommand(1500, 1), oneCommand(1000, "x".repeat(1100))]) {
        const rejected = yield* Effect.flip(store.append(stream, events, "any"))
        expect(rejected._tag === "AppendRejected" && [rejected.reason, rejected.eventIds.length]).toEqual(["TooLarge", events.length])
      }
      expect(yield* store.currentPosition).toBe(0)
      const fits = yield* store.append(stream, oneCommand(800, "x".repeat(1000)), "any")
      expect(fits.length).toBe(800)
      expect(yield* store.currentPosition).toBe(800)
    }).pipe(Effect.provide(NatsServer.freshStore(() => server))))

  it.live("lets the server enforce expected versions between writers; a stale writer's re-append gets the stored events", () =>
    Effect.gen(function* () {
      const names = { ...NatsServer.freshNames(), duplicateWindow: "1 second" as const }
      const a = Context.get(yield* Layer.build(NatsServer.freshStore(() => server, names)), EventStore.EventStore)
      const b = Context.get(yield* Layer.build(NatsEventStore.layer({ servers: server.url, ...names })), EventStore.EventStore)
      const [e0, e1, e2, e3] = TestEvents.newEvents(stream, 4)
      yield* b.append(stream, [e0!], "no-stream")
      const stored1 = yield* a.append(stream, [e1!], 1)
      // B last saw version 1: the server refuses its publish, B re-reads and reports the conflict.
      const conflict = yield* Effect.flip(b.append(stream, TestEvents.newEvents(stream, 1), 1))
      expect(conflict._tag === "ConcurrencyConflict" && [conflict.expectedVersion, conflict.actualVersion]).toEqual([1, 2])
      const stored2 = yield* a.append(stream, [e2!], 2)
      // B last saw version 2 and re-publishes A's e2 at version 2: answered with A's stored e2.
      expect(TestEvents.plain(yield* b.append(stream, [e2!], 2))).toEqual(TestEvents.plain(stored2))
      yield* Effect.sleep("1500 millis")
      // After the duplicate window, retries are answered from the stream itself.
      expect(TestEvents.plain(yield* a.append(stream, [e1!], 1))).toEqual(TestEvents.plain(stored1))
      expect(TestEvents.plain(yield* b.append(stream, [e1!], 1))).toEqual(TestEvents.plain(stored1))
      const stored3 = yield* a.append(stream, [e3!], 3)
      expect(TestEvents.plain(yield* b.append(stream, [e3!], 3))).toEqual(TestEvents.plain(stored3))
      expect((yield* a.readStream(stream)).map((e) => e.eventId)).toEqual([e0!, e1!, e2!, e3!].map((e) => e.eventId))
    }).pipe(Effect.scoped), 30_000)

  it.live("fails with StoreUnavailable when no server answers", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.provide(Effect.void, NatsEventStore.layer({ servers: "127.0.0.1:1", timeout: "1 second" })))
      expect([error._tag, error.operation, error.transient]).toEqual(["StoreUnavailable", "open", true])
    }))
})
