import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Schema } from "effect"
import { Aggregate, EventEnvelope, ValidationError } from "../src/index.js"

// A counter with one event whose payload has a field whose encoded form differs from its type.
const Incremented = Schema.TaggedStruct("Incremented", { by: Schema.Int, at: Schema.DateTimeUtc })
const Reset = Schema.TaggedStruct("Reset", {})
const Event = Schema.Union(Incremented, Reset)
type Event = typeof Event.Type

const counter = Aggregate.make({
  aggregateType: "Counter",
  initial: 0,
  decide: (command: { readonly by: number }, state: number) =>
    command.by === 0
      ? Effect.fail(new ValidationError({ field: "by", message: "nothing to add", hint: "add something" }))
      : Effect.succeed(
          state + command.by > 10
            ? [Reset.make({})]
            : [Incremented.make({ by: command.by, at: DateTime.unsafeMake("2024-05-01T00:00:00Z") })]
        ),
  evolve: (state: number, event: Event) => (event._tag === "Reset" ? 0 : state + event.by),
  events: Event,
  schemaVersions: { Incremented: 2, Reset: 1 }
})

const at = DateTime.unsafeMake("2024-05-01T12:00:00Z")
const id1 = Schema.decodeSync(EventEnvelope.EventId)("01890a5d-ac96-774b-bcce-b302099a8057")
const id2 = Schema.decodeSync(EventEnvelope.EventId)("01890a5d-ac96-774b-bcce-b302099a8058")

describe("Aggregate", () => {
  it.effect("folds events from the initial state with evolve", () =>
    Effect.gen(function* () {
      const a = yield* counter.decide({ by: 4 }, counter.initial)
      const b = yield* counter.decide({ by: 5 }, counter.fold(a))
      expect(counter.fold([...a, ...b])).toBe(9)
      const c = yield* counter.decide({ by: 5 }, counter.fold([...a, ...b]))
      expect(c).toEqual([{ _tag: "Reset" }])
      expect(counter.fold([...a, ...b, ...c])).toBe(0)
      expect(counter.fold([])).toBe(0)
      expect(yield* Effect.flip(counter.decide({ by: 0 }, 3))).toMatchObject({ _tag: "ValidationError", field: "by" })
    }))

  it.effect("wraps decided events into new envelopes with the caller's ids, time and causality", () =>
    Effect.gen(function* () {
      const events = [...(yield* counter.decide({ by: 2 }, 0)), Reset.make({})]
      const envelopes = yield* Aggregate.toNewEvents(counter, events, {
        aggregateId: "c-1",
        eventIds: [id1, id2],
        occurredAt: at,
        causality: EventEnvelope.causedBy({ correlationId: "corr", id: "cmd-7" })
      })
      const common = { aggregateType: "Counter", aggregateId: "c-1", occurredAt: at, correlationId: "corr", causationId: "cmd-7" }
      expect(envelopes).toEqual([
        { ...common, eventId: id1, type: "Incremented", schemaVersion: 2, payload: { by: 2, at: "2024-05-01T00:00:00.000Z" } },
        { ...common, eventId: id2, type: "Reset", schemaVersion: 1, payload: {} }
      ])
      // every envelope is a valid NewEvent
      for (const envelope of envelopes) expect(Schema.is(EventEnvelope.NewEvent)(envelope)).toBe(true)
    }))

  it.effect("refuses a number of ids that differs from the number of events", () =>
    Effect.gen(function* () {
      const events = yield* counter.decide({ by: 2 }, 0)
      const metadata = { aggregateId: "c-1", occurredAt: at, causality: EventEnvelope.root("cmd-1") }
      for (const eventIds of [[], [id1, id2]]) {
        expect(yield* Effect.flip(Aggregate.toNewEvents(counter, events, { ...metadata, eventIds }))).toMatchObject({
          _tag: "ValidationError",
          field: "eventIds",
          message: `1 Counter event(s) were decided but ${eventIds.length} event id(s) were given`,
          hint: "Generate exactly one event id per decided event, after deciding."
        })
      }
      expect(yield* Aggregate.toNewEvents(counter, [], { ...metadata, eventIds: [] })).toEqual([])
    }))
})
