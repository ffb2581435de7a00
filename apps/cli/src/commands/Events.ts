/**
 * `cim-nix events [--aggregate ID] [--type T] [--correlation ID] [--limit N] [--follow]`: the
 * event log (the ListEvents query over the event-log read model), oldest first. `--json` prints
 * the stored envelopes (payload included) as one array, read from the store a run of
 * consecutive positions at a time; `--follow` keeps printing matching events as they are
 * appended, one per line (JSON lines with `--json`), until interrupted.
 */
import { Command, Options } from "@effect/cli"
import { Console, DateTime, Effect, Option, Stream } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

const filter = (name: string, description: string) => Options.text(name).pipe(Options.withDescription(description), Options.optional)

const aggregate = filter("aggregate", "Only the events of this aggregate id (e.g. a flake's directory).")
const type = filter("type", "Only events of this type, e.g. PackageBuilt.")
const correlation = filter("correlation", "Only events of this correlation id (everything one command caused).")
const limit = Options.integer("limit").pipe(Options.withDescription("At most this many events (default 100)."), Options.optional)
const follow = Options.boolean("follow").pipe(Options.withAlias("f"), Options.withDescription("Keep printing events as they are appended."))

/** What a line of the human output shows of an event: its envelope in the JSON form, or its event log entry. */
type Line = Pick<EventEnvelope.Encoded, "position" | "occurredAt" | "type" | "aggregateType" | "aggregateId" | "version" | "correlationId">

const row = (e: Line) => [
  String(e.position),
  e.occurredAt,
  e.type,
  `${e.aggregateType} ${e.aggregateId}`,
  String(e.version),
  e.correlationId
]
const header = ["POS", "OCCURRED", "TYPE", "AGGREGATE", "VER", "CORRELATION"]

const human = (events: ReadonlyArray<Line>) =>
  events.length === 0 ? ["No events."] : Output.table(header, events.map(row))

/** The `events` command. */
export const command = Command.make(
  "events",
  { ...GlobalOptions.all, aggregate, type, correlation, limit, follow },
  ({ aggregate, type, correlation, limit, follow, ...global }) =>
    Effect.gen(function* () {
      const { EventStore, ListEvents } = yield* Application.load
      const query = ListEvents.ListEvents.make({
        ...Option.match(aggregate, { onNone: () => ({}), onSome: (aggregateId) => ({ aggregateId }) }),
        ...Option.match(type, { onNone: () => ({}), onSome: (type) => ({ type }) }),
        ...Option.match(correlation, { onNone: () => ({}), onSome: (correlationId) => ({ correlationId }) }),
        ...Option.match(limit, { onNone: () => ({}), onSome: (limit) => ({ limit }) })
      })
      const store = yield* EventStore.EventStore
      if (follow) {
        return yield* store.subscribe({ fromPosition: 1 }).pipe(
          Stream.filter((e) => ListEvents.matches(query, e)),
          Stream.map(EventStore.encodeEnvelope),
          Stream.runForEach((e) => Console.log(global.json ? JSON.stringify(e) : row(e).join("  ")))
        )
      }
      const entries = yield* ListEvents.handle(query)
      // The event log holds what a line shows: only `--json` reads the stored envelopes (for their payloads).
      const events: ReadonlyArray<Line> = global.json
        ? yield* EventStore.readAt(store, entries.map((e) => e.position))
        : entries.map((e) => ({ ...e, occurredAt: DateTime.formatIso(e.occurredAt) }))
      yield* Output.print(global.json, events, human)
    }).pipe(Runtime.runCommand(global))
).pipe(Command.withDescription("List recorded events (filter by aggregate, type, correlation); --follow keeps printing new ones."))
