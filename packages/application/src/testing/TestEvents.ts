/**
 * Events for tests: fresh UUIDv7-shaped ids (a random per-process prefix and a counter, so
 * that several processes appending to one store never collide), small payloads, and envelopes
 * as plain JSON for comparisons. Free of test-runner imports, so child processes can use it.
 */
import { DateTime, Schema } from "effect"
import { EventEnvelope } from "@cim-nix/domain"
import type * as EventStore from "../ports/EventStore.js"

let counter = 0
const prefix = Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, "0")
const decodeId = Schema.decodeSync(EventEnvelope.EventId)

/** A fresh UUIDv7-shaped event id, unique within the process. */
export const nextEventId = (): EventEnvelope.EventId => {
  const n = (counter++).toString(16).padStart(12, "0")
  return decodeId(`${prefix}-0190-7000-8000-${n}`)
}

/** `count` new events of `stream`, each with a fresh id and a small payload. */
export const newEvents = (stream: EventStore.StreamId, count: number): Array<EventEnvelope.NewEvent> =>
  Array.from({ length: count }, (_, i) => {
    const eventId = nextEventId()
    return {
      eventId,
      type: i % 2 === 0 ? "Touched" : "Poked",
      aggregateType: stream.aggregateType,
      aggregateId: stream.aggregateId,
      occurredAt: DateTime.unsafeMake(1_700_000_000_000 + counter),
      correlationId: `corr-${eventId}`,
      causationId: `cause-${eventId}`,
      schemaVersion: 1,
      payload: { index: i, text: `event ${i} of ${stream.aggregateId}`, nested: { list: [1, "two", null] } }
    }
  })

const encodeEnvelope = Schema.encodeSync(EventEnvelope.EventEnvelope)

/** Envelopes as plain JSON values, for comparisons. */
export const plain = (events: ReadonlyArray<EventEnvelope.EventEnvelope>) => events.map((e) => encodeEnvelope(e))
