/**
 * The contract every `EventStore` adapter passes, run unchanged against the in-memory, SQLite
 * and NATS JetStream stores: round trips, version conflicts, idempotent re-appends, global
 * order across streams (decoded and in the JSON form), catch-up then live tail, 10,000-event streams and concurrent writers.
 *
 * Call `suite(name, layer)` inside a test file; `layer` must give a new, empty store each time
 * it is built (every test builds it once).
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Fiber, Layer, Option, Schema, Stream } from "effect"
import type { ConcurrencyConflict } from "@cim-nix/domain"
import { EventEnvelope } from "@cim-nix/domain"
import * as EventStore from "../ports/EventStore.js"
import { newEvents, plain } from "./TestEvents.js"

/** Options of the suite. */
export interface Options {
  /** Milliseconds each test may take (default 60,000). */
  readonly timeout?: number
  /** Runs of the property test (default 15). */
  readonly propertyRuns?: number
}

const encodeNew = Schema.encodeSync(EventEnvelope.NewEvent)

const withoutStoreFields = (events: ReadonlyArray<EventEnvelope.EventEnvelope>) =>
  events.map(({ position: _p, version: _v, ...rest }) => encodeNew(rest))

const expectIncreasing = (events: ReadonlyArray<EventEnvelope.EventEnvelope>) => {
  for (let i = 1; i < events.length; i++) expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position)
}

const streamA: EventStore.StreamId = { aggregateType: "Flake", aggregateId: "a" }
const streamB: EventStore.StreamId = { aggregateType: "Flake", aggregateId: "b.with dots*and>wild" }
const streamC: EventStore.StreamId = { aggregateType: "Configuration", aggregateId: "host-c" }

const store = EventStore.EventStore

const readAll = (options?: { fromPosition?: number; batchSize?: number }) =>
  Effect.flatMap(store, (s) => Stream.runCollect(s.readAll(options))).pipe(Effect.map((c) => Array.from(c)))

const readAllEncoded = (options?: { fromPosition?: number; batchSize?: number }) =>
  Effect.flatMap(store, (s) => Stream.runCollect(s.readAllEncoded(options))).pipe(Effect.map((c) => Array.from(c)))

const readStream = (stream: EventStore.StreamId, fromVersion?: number) =>
  Effect.flatMap(store, (s) => s.readStream(stream, { fromVersion }))

const append = (stream: EventStore.StreamId, events: ReadonlyArray<EventEnvelope.NewEvent>, expected: EventStore.ExpectedVersion) =>
  Effect.flatMap(store, (s) => s.append(stream, events, expected))

const conflict = (error: EventStore.AppendError): ConcurrencyConflict => {
  expect(error._tag).toBe("ConcurrencyConflict")
  return error as ConcurrencyConflict
}

/** Appends to `stream`, reading its version first and retrying on conflicts. */
const appendWithRetry = (stream: EventStore.StreamId, events: ReadonlyArray<EventEnvelope.NewEvent>) =>
  Effect.gen(function* () {
    for (;;) {
      const version = (yield* readStream(stream)).length
      const result = yield* Effect.either(append(stream, events, version))
      if (Either.isRight(result)) return result.right
      conflict(result.left)
    }
  })

/** Registers the contract tests of the store built by `layer`. */
export const suite = <E>(name: string, layer: Layer.Layer<EventStore.EventStore, E>, options: Options = {}): void => {
  const timeout = options.timeout ?? 60_000
  const test = (title: string, body: Effect.Effect<void, unknown, EventStore.EventStore>) =>
    it.live(title, () => Effect.provide(body, layer), timeout)

  describe(`EventStore contract: ${name}`, () => {
    test("appends and reads back one stream, field for field", Effect.gen(function* () {
      const s = yield* store
      expect(yield* s.currentPosition).toBe(0)
      expect(yield* readAll()).toEqual([])
      const events = newEvents(streamA, 3)
      const stored = yield* append(streamA, events, "no-stream")
      expect(stored.map((e) => e.version)).toEqual([1, 2, 3])
      expect(stored[0]!.position).toBeGreaterThan(0)
      expectIncreasing(stored)
      expect(withoutStoreFields(stored)).toEqual(events.map((e) => encodeNew(e)))
      expect(plain(yield* readStream(streamA))).toEqual(plain(stored))
      expect(plain(yield* readStream(streamA, 2))).toEqual(plain(stored.slice(1)))
      expect(yield* readStream(streamA, 4)).toEqual([])
      expect(yield* readStream(streamB)).toEqual([])
      expect(plain(yield* readAll())).toEqual(plain(stored))
      expect(yield* s.currentPosition).toBe(stored[2]!.position)
      const more = yield* append(streamA, newEvents(streamA, 2), 3)
      expect(more.map((e) => e.version)).toEqual([4, 5])
      expect(more[0]!.position).toBeGreaterThan(stored[2]!.position)
      expect(yield* append(streamA, [], 5)).toEqual([])
      expect((yield* readStream(streamA)).length).toBe(5)
    }))

    test("refuses appends at the wrong expected version and stores nothing", Effect.gen(function* () {
      const first = yield* append(streamA, newEvents(streamA, 2), "no-stream")
      const cases: Array<[EventStore.ExpectedVersion, number]> = [["no-stream", 0], [0, 0], [1, 1], [5, 5]]
      for (const [expected, expectedNumber] of cases) {
        const error = conflict(yield* Effect.flip(append(streamA, newEvents(streamA, 1), expected)))
        expect([error.aggregateType, error.aggregateId, error.expectedVersion, error.actualVersion])
          .toEqual(["Flake", "a", expectedNumber, 2])
        expect(error.transient).toBe(true)
      }
      const missing = conflict(yield* Effect.flip(append(streamB, newEvents(streamB, 1), 3)))
      expect([missing.expectedVersion, missing.actualVersion]).toEqual([3, 0])
      conflict(yield* Effect.flip(append(streamA, [], 7)))
      expect(plain(yield* readAll())).toEqual(plain(first))
      expect((yield* append(streamA, newEvents(streamA, 1), 2)).map((e) => e.version)).toEqual([3])
      expect((yield* append(streamA, newEvents(streamA, 2), "any")).map((e) => e.version)).toEqual([4, 5])
      expect((yield* append(streamB, newEvents(streamB, 1), "any")).map((e) => e.version)).toEqual([1])
    }))

    test("re-appending stored events returns them as stored; reusing some of their ids is rejected", Effect.gen(function* () {
      const events = newEvents(streamA, 2)
      const stored = yield* append(streamA, events, "no-stream")
      expect(plain(yield* append(streamA, events, "no-stream"))).toEqual(plain(stored))
      expect(plain(yield* append(streamA, events, "any"))).toEqual(plain(stored))
      const [third] = newEvents(streamA, 1)
      const storedThird = yield* append(streamA, [third!], 2)
      expect(plain(yield* append(streamA, [third!], 2))).toEqual(plain(storedThird))
      expect(plain(yield* append(streamA, [third!], 3))).toEqual(plain(storedThird))

      const overlap = yield* Effect.flip(append(streamA, [third!, ...newEvents(streamA, 1)], 3))
      expect(overlap._tag === "AppendRejected" && overlap.reason).toBe("EventIdReused")
      const elsewhere = yield* Effect.flip(append(streamB, [{ ...events[0]!, aggregateId: streamB.aggregateId }], "no-stream"))
      expect(elsewhere._tag === "AppendRejected" && elsewhere.reason).toBe("EventIdReused")
      const [fresh] = newEvents(streamA, 1)
      const twice = yield* Effect.flip(append(streamA, [fresh!, fresh!], 3))
      expect(twice._tag === "AppendRejected" && twice.reason).toBe("EventIdReused")
      const foreign = yield* Effect.flip(append(streamA, newEvents(streamB, 1), 3))
      expect(foreign._tag === "AppendRejected" && foreign.reason).toBe("WrongStream")

      expect(plain(yield* readAll())).toEqual(plain([...stored, ...storedThird]))
      expect(yield* readStream(streamB)).toEqual([])
    }))

    test("reads all streams in global order, from any position, in any batch size", Effect.gen(function* () {
      const plan: Array<[EventStore.StreamId, number]> = [[streamA, 2], [streamB, 1], [streamA, 3], [streamC, 2], [streamB, 2]]
      const stored: Array<EventEnvelope.EventEnvelope> = []
      for (const [stream, count] of plan) stored.push(...(yield* append(stream, newEvents(stream, count), "any")))
      expectIncreasing(stored)
      const all = yield* readAll()
      expect(plain(all)).toEqual(plain(stored))
      for (const batchSize of [1, 2, 3, 1000]) expect(plain(yield* readAll({ batchSize }))).toEqual(plain(stored))
      expect(plain(yield* readAll({ fromPosition: stored[4]!.position, batchSize: 2 }))).toEqual(plain(stored.slice(4)))
      expect(plain(yield* readAll({ fromPosition: stored[3]!.position + 1 }))).toEqual(plain(stored.slice(4)))
      expect(yield* readAll({ fromPosition: stored[9]!.position + 1 })).toEqual([])
      // The JSON form: each stored envelope as `EventEnvelope` encodes it, the same pages.
      const encoded = stored.map((e) => Schema.encodeSync(EventEnvelope.EventEnvelope)(e))
      for (const batchSize of [1, 3, 1000]) expect(yield* readAllEncoded({ batchSize })).toEqual(encoded)
      expect(yield* readAllEncoded({ fromPosition: stored[4]!.position, batchSize: 2 })).toEqual(encoded.slice(4))
      expect(yield* readAllEncoded({ fromPosition: stored[9]!.position + 1 })).toEqual([])
      expect(yield* (yield* store).currentPosition).toBe(stored[9]!.position)
      expect((yield* readStream(streamB)).map((e) => e.version)).toEqual([1, 2, 3])
      expect((yield* readStream(streamC)).map((e) => e.aggregateId)).toEqual(["host-c", "host-c"])
    }))

    test("reads the events at given positions with one read per run of consecutive positions", Effect.gen(function* () {
      const s = yield* store
      const stream = { aggregateType: "Flake", aggregateId: "positions" }
      const stored = yield* s.append(stream, newEvents(stream, 12), "no-stream")
      const encoded = stored.map((e) => Schema.encodeSync(EventEnvelope.EventEnvelope)(e))
      let reads = 0
      const counted: EventStore.Service = { ...s, readAllEncoded: (options) => Stream.suspend(() => (reads++, s.readAllEncoded(options))) }
      const picks = [0, 1, 2, 5, 6, 11]
      expect(yield* EventStore.readAt(counted, picks.map((i) => stored[i]!.position))).toEqual(picks.map((i) => encoded[i]))
      expect(reads).toBe(3)
      expect(yield* EventStore.readAt(counted, [stored[11]!.position + 1])).toEqual([])
      expect(yield* EventStore.readAt(counted, [])).toEqual([])
    }))

    it.live.prop(
      "any interleaving of appends reads back as appended, globally and per stream",
      [fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 12 })],
      ([plan]) =>
        Effect.gen(function* () {
          const streams = [streamA, streamB, streamC]
          const stored: Array<EventEnvelope.EventEnvelope> = []
          for (const [which, count] of plan) {
            const stream = streams[which]!
            const version = stored.filter((e) => e.aggregateId === stream.aggregateId).length
            stored.push(...(yield* append(stream, newEvents(stream, count), version)))
          }
          expect(plain(yield* readAll({ batchSize: 3 }))).toEqual(plain(stored))
          for (const stream of streams) {
            const own = stored.filter((e) => e.aggregateId === stream.aggregateId)
            expect(plain(yield* readStream(stream))).toEqual(plain(own))
            expect(own.map((e) => e.version)).toEqual(own.map((_, i) => i + 1))
          }
        }).pipe(Effect.provide(layer)),
      { timeout, fastCheck: { numRuns: options.propertyRuns ?? 15 } }
    )

    test("subscribe catches up, then tails live appends without gap or duplicate", Effect.gen(function* () {
      const s = yield* store
      const before = yield* append(streamA, newEvents(streamA, 5), "no-stream")
      const subscriber = yield* s.subscribe({ fromPosition: 1 }).pipe(Stream.take(11), Stream.runCollect, Effect.fork)
      const late = yield* s.subscribe({ fromPosition: before[3]!.position }).pipe(Stream.take(8), Stream.runCollect, Effect.fork)
      const after: Array<EventEnvelope.EventEnvelope> = []
      for (const [stream, count] of [[streamB, 2], [streamA, 3], [streamC, 1]] as const) {
        yield* Effect.sleep("20 millis")
        after.push(...(yield* append(stream, newEvents(stream, count), "any")))
      }
      const all = [...before, ...after]
      const joined = (fiber: typeof subscriber) => Effect.map(Fiber.join(fiber).pipe(Effect.timeout("10 seconds")), (c) => Array.from(c))
      expect(plain(yield* joined(subscriber))).toEqual(plain(all))
      expect(plain(yield* joined(late))).toEqual(plain(all.slice(3)))
    }))

    test("a subscription started while writers run sees every event once, in order", Effect.gen(function* () {
      const s = yield* store
      const count = 200
      const writer = yield* Effect.fork(Effect.forEach(
        Array.from({ length: count }, (_, i) => [streamA, streamB, streamC][i % 3]!),
        (stream, i) => Effect.zipRight(i % 10 === 0 ? Effect.sleep("1 millis") : Effect.void, append(stream, newEvents(stream, 1), "any")),
        { concurrency: 1 }
      ))
      yield* Effect.sleep("10 millis")
      const seen = yield* s.subscribe().pipe(Stream.take(count), Stream.runCollect)
      yield* Fiber.join(writer)
      const all = yield* readAll()
      expect(all.length).toBe(count)
      expect(plain(Array.from(seen))).toEqual(plain(all))
      const empty = yield* s.subscribe({ fromPosition: all[count - 1]!.position + 1 }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.timeoutOption("150 millis")
      )
      expect(Option.isNone(empty)).toBe(true)
    }))

    test("holds a 10,000-event stream", Effect.gen(function* () {
      const s = yield* store
      for (let version = 0; version < 10_000; version += 250) {
        yield* append(streamA, newEvents(streamA, 250), version)
      }
      const stream = yield* readStream(streamA)
      expect(stream.length).toBe(10_000)
      expect(stream.every((e, i) => e.version === i + 1)).toBe(true)
      expect(new Set(stream.map((e) => e.eventId)).size).toBe(10_000)
      expect((yield* readStream(streamA, 9_990)).map((e) => e.version)).toEqual([9_990, 9_991, 9_992, 9_993, 9_994, 9_995, 9_996, 9_997, 9_998, 9_999, 10_000])
      const all = yield* readAll({ batchSize: 1000 })
      expect(plain(all)).toEqual(plain(stream))
      const tailed = yield* s.subscribe().pipe(Stream.take(10_000), Stream.runCollect)
      expect(Array.from(tailed).map((e) => e.eventId)).toEqual(stream.map((e) => e.eventId))
      expect(yield* s.currentPosition).toBe(stream[9_999]!.position)
    }))

    test("of many writers racing to create a stream exactly one wins", Effect.gen(function* () {
      const results = yield* Effect.forEach(
        Array.from({ length: 12 }, () => newEvents(streamC, 2)),
        (events) => Effect.either(append(streamC, events, "no-stream")),
        { concurrency: "unbounded" }
      )
      const winners = results.filter(Either.isRight)
      expect(winners.length).toBe(1)
      for (const result of results.filter(Either.isLeft)) expect(conflict(result.left).actualVersion).toBe(2)
      expect(plain(yield* readStream(streamC))).toEqual(plain(winners[0]!.right))
    }))

    test("concurrent writers with retries lose nothing and duplicate nothing", Effect.gen(function* () {
      const written = Array.from({ length: 12 }, () => Array.from({ length: 6 }, () => newEvents(streamA, 2)))
      yield* Effect.forEach(
        written,
        (batches) => Effect.forEach(batches, (events) => appendWithRetry(streamA, events)),
        { concurrency: "unbounded" }
      )
      const distinct = [streamB, streamC, { aggregateType: "Package", aggregateId: "p" }]
      yield* Effect.forEach(
        distinct,
        (stream) => Effect.forEach(Array.from({ length: 10 }, (_, v) => v), (v) => append(stream, newEvents(stream, 1), v)),
        { concurrency: "unbounded" }
      )
      const stream = yield* readStream(streamA)
      expect(stream.map((e) => e.version)).toEqual(stream.map((_, i) => i + 1))
      expect(new Set(stream.map((e) => e.eventId))).toEqual(new Set(written.flat(2).map((e) => e.eventId)))
      for (const other of distinct) expect((yield* readStream(other)).length).toBe(10)
      const all = yield* readAll()
      expect(all.length).toBe(144 + 30)
      expectIncreasing(all)
    }))
  })
}
