/**
 * The decide/evolve machinery every aggregate of the domain shares (ARCHITECTURE.md, "Event
 * sourcing"): `decide(command, state)` checks the invariants and returns the events that
 * happened, `evolve(state, event)` applies one event, and a stream's state is the fold of its
 * events. `toNewEvents` wraps decided events into envelopes with the ids, time and causality a
 * caller hands in: the domain never makes ids or reads clocks.
 */
import { type DateTime, Effect, Schema } from "effect"
import type { DomainError } from "./Errors.js"
import { ValidationError } from "./Errors.js"
import type { Causality, EventId, NewEvent } from "./EventEnvelope.js"

/** An event of the domain: a tagged struct whose `_tag` is the envelope's `type`. */
export interface TaggedEvent {
  readonly _tag: string
}

/** The encoded form of an event: its `_tag` and JSON-ready fields. */
export interface EncodedEvent {
  readonly _tag: string
  readonly [field: string]: unknown
}

/** The parts of an aggregate that do not depend on how its events are encoded. */
interface Common<State, Command, Event extends TaggedEvent> {
  /** The envelope's `aggregateType`, e.g. `"Flake"`. */
  readonly aggregateType: string
  /** The state of a stream without events. */
  readonly initial: State
  /** Checks the command against the state and returns the events it causes (possibly none). */
  readonly decide: (command: Command, state: State) => Effect.Effect<ReadonlyArray<Event>, DomainError>
  /** Applies one event to the state. Never fails: events are facts. */
  readonly evolve: (state: State, event: Event) => State
  /** The payload schema version of each event type (1 until a payload changes shape). */
  readonly schemaVersions: { readonly [K in Event["_tag"]]: number }
}

/** What an aggregate is made of; `make` turns it into an `Aggregate`. */
export interface Definition<State, Command, Event extends TaggedEvent, Encoded extends EncodedEvent>
  extends Common<State, Command, Event>
{
  /** The union of the aggregate's events. */
  readonly events: Schema.Schema<Event, Encoded>
}

/** An aggregate: `decide`, `evolve`, `fold` and the encoder of its events. */
export interface Aggregate<State, Command, Event extends TaggedEvent> extends Common<State, Command, Event> {
  /** The state after `events`, starting from `initial`. */
  readonly fold: (events: Iterable<Event>) => State
  /** The encoded (JSON-ready) form of an event. */
  readonly encode: (event: Event) => EncodedEvent
}

/** Builds an aggregate from its definition. */
export const make = <State, Command, Event extends TaggedEvent, Encoded extends EncodedEvent>(
  { events, ...definition }: Definition<State, Command, Event, Encoded>
): Aggregate<State, Command, Event> => ({
  ...definition,
  encode: Schema.encodeSync(events),
  fold: (stream) => {
    let state = definition.initial
    for (const event of stream) state = definition.evolve(state, event)
    return state
  }
})

/** What the caller (a command handler) knows about the events it is about to append. */
export interface Metadata {
  /** The stream the events belong to (each aggregate module exports how to derive it). */
  readonly aggregateId: string
  /** One fresh id per decided event, in order. */
  readonly eventIds: ReadonlyArray<EventId>
  /** When the events happened. */
  readonly occurredAt: DateTime.Utc
  /** `EventEnvelope.root(commandId)` or `EventEnvelope.causedBy(cause)`. */
  readonly causality: Causality
}

/**
 * Wraps decided events into `NewEvent`s: `type` is the event's `_tag`, `payload` its encoded
 * fields without `_tag`, `schemaVersion` from the aggregate. Fails when the number of ids
 * handed in differs from the number of events.
 */
export const toNewEvents = <State, Command, Event extends TaggedEvent>(
  aggregate: Aggregate<State, Command, Event>,
  events: ReadonlyArray<Event>,
  metadata: Metadata
): Effect.Effect<ReadonlyArray<NewEvent>, ValidationError> => {
  if (metadata.eventIds.length !== events.length) {
    return Effect.fail(
      new ValidationError({
        field: "eventIds",
        message: `${events.length} ${aggregate.aggregateType} event(s) were decided but ${metadata.eventIds.length} event id(s) were given`,
        hint: "Generate exactly one event id per decided event, after deciding."
      })
    )
  }
  return Effect.sync(() =>
    events.map((event, i): NewEvent => {
      const { _tag, ...payload } = aggregate.encode(event)
      return {
        eventId: metadata.eventIds[i]!,
        type: _tag,
        aggregateType: aggregate.aggregateType,
        aggregateId: metadata.aggregateId,
        occurredAt: metadata.occurredAt,
        correlationId: metadata.causality.correlationId,
        causationId: metadata.causality.causationId,
        schemaVersion: aggregate.schemaVersions[event._tag as Event["_tag"]],
        payload
      }
    })
  )
}
