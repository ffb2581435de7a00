/**
 * ListEvents: stored events (without payloads) in position order, from the event log read
 * model, filtered by aggregate, event type and correlation id.
 */
import { Effect, Schema } from "effect"
import type { StoreUnavailable } from "../ports/EventStore.js"
import * as EventLog from "../projections/EventLog.js"
import * as Projection from "../projections/Projection.js"
import * as ProjectionStore from "../projections/ProjectionStore.js"

/** The query; every given field must match. */
export const ListEvents = Schema.TaggedStruct("ListEvents", {
  aggregateType: Schema.optional(Schema.String),
  aggregateId: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String),
  correlationId: Schema.optional(Schema.String),
  /** The first position to consider (default 1). */
  fromPosition: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** The most entries to return (default 100). */
  limit: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type ListEvents = typeof ListEvents.Type

/** Whether an event (a log entry or a stored envelope) matches every field the query gives. */
export const matches = (query: ListEvents, entry: Pick<EventLog.Entry, "aggregateType" | "aggregateId" | "type" | "correlationId">) =>
  (query.aggregateType === undefined || entry.aggregateType === query.aggregateType) &&
  (query.aggregateId === undefined || entry.aggregateId === query.aggregateId) &&
  (query.type === undefined || entry.type === query.type) &&
  (query.correlationId === undefined || entry.correlationId === query.correlationId)

/** Blocks of the event log read per page. */
const blocksPerPage = 8

/** The matching entries, oldest first. */
export const handle = (
  query: ListEvents
): Effect.Effect<ReadonlyArray<EventLog.Entry>, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const limit = query.limit ?? 100
    const from = query.fromPosition ?? 1
    const found: Array<EventLog.Entry> = []
    // The block before the one holding `from`, if any: `list` returns the keys after it.
    let after = from > EventLog.blockSize ? EventLog.key(from - EventLog.blockSize) : undefined
    for (;;) {
      const page = yield* store.list(EventLog.projection.name, { after, limit: blocksPerPage })
      for (const [key, json] of page) {
        for (const row of yield* Projection.decodeDocument(EventLog.projection, key, json)) {
          const entry = EventLog.entry(row)
          if (entry.position < from || !matches(query, entry)) continue
          found.push(entry)
          if (found.length === limit) return found
        }
      }
      if (page.length < blocksPerPage) return found
      after = page[page.length - 1]![0]
    }
  })
