/**
 * The event store in memory, for handler and projection tests: the same contract as the SQLite
 * and NATS adapters (it runs the same `EventStoreContract` suite), gone when the layer is.
 * Positions count from 1 without gaps; appends are serialized by a semaphore.
 */
import { Effect, Layer, Option, Stream, SubscriptionRef } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import * as EventStore from "../ports/EventStore.js"

const streamKey = (stream: EventStore.StreamId) => `${stream.aggregateType}\u0000${stream.aggregateId}`

/** Builds an empty in-memory store. */
export const make: Effect.Effect<EventStore.Service> = Effect.gen(function* () {
  const all: Array<EventEnvelope.EventEnvelope> = []
  const streams = new Map<string, Array<EventEnvelope.EventEnvelope>>()
  const byId = new Map<string, EventEnvelope.EventEnvelope>()
  const head = yield* SubscriptionRef.make(0)
  const writer = yield* Effect.makeSemaphore(1)

  const readPage = (from: number, batchSize: number) =>
    Effect.sync(() => all.slice(Math.max(from, 1) - 1, Math.max(from, 1) - 1 + batchSize))

  const append: EventStore.Service["append"] = (stream, events, expectedVersion) =>
    writer.withPermits(1)(Effect.gen(function* () {
      yield* EventStore.checkAppend(stream, events)
      const stored = events.flatMap((e) => byId.get(e.eventId) ?? [])
      const retry = yield* EventStore.matchReappend(stream, events, stored)
      if (Option.isSome(retry)) return retry.value
      const list = streams.get(streamKey(stream)) ?? []
      yield* EventStore.checkExpectedVersion(stream, expectedVersion, list.length)
      const appended = events.map((event, i): EventEnvelope.EventEnvelope => ({
        ...event,
        version: list.length + i + 1,
        position: all.length + i + 1
      }))
      for (const envelope of appended) {
        all.push(envelope)
        list.push(envelope)
        byId.set(envelope.eventId, envelope)
      }
      streams.set(streamKey(stream), list)
      yield* SubscriptionRef.set(head, all.length)
      return appended
    }))

  const readAll: EventStore.Service["readAll"] = (options) => {
    const batchSize = options?.batchSize ?? EventStore.defaultBatchSize
    return EventStore.pages(options?.fromPosition ?? 1, batchSize, (from) => readPage(from, batchSize))
  }

  return {
    append,
    readStream: (stream, options) =>
      Effect.sync(() => (streams.get(streamKey(stream)) ?? []).slice(Math.max(options?.fromVersion ?? 1, 1) - 1)),
    readAll,
    readAllEncoded: EventStore.encodedReads(readAll),
    subscribe: (options) =>
      EventStore.tail(
        options?.fromPosition ?? 1,
        (from) => readPage(from, EventStore.defaultBatchSize),
        (from) => head.changes.pipe(Stream.takeUntil((position) => position >= from), Stream.runDrain)
      ),
    currentPosition: SubscriptionRef.get(head)
  }
})

/** The `EventStore` port in memory; each build of the layer is a new, empty store. */
export const layer: Layer.Layer<EventStore.EventStore> = Layer.effect(EventStore.EventStore, make)
