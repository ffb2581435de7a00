/**
 * The flow every command handler follows (ARCHITECTURE.md): load the aggregate's stream, fold
 * it, decide, perform the Nix or file work the decision stands for, and append the events with
 * the expected version. On a version conflict the decision is taken once more on fresh state:
 * when it yields the same events the work is not repeated and the append is retried; otherwise
 * the work is undone and the conflict reported, so nothing is left half-done.
 */
import { DateTime, Effect, Option } from "effect"
import type { DomainError, EventEnvelope } from "@cim-nix/domain"
import { Aggregate, DomainEvent } from "@cim-nix/domain"
import * as EventStore from "../ports/EventStore.js"
import * as Ids from "../Ids.js"

/** What performing a decision leaves behind: how to take it back if the events cannot be recorded. */
export interface Performed {
  readonly undo: Effect.Effect<void>
}

/** One command to run against one aggregate instance. */
export interface Execution<S, C, Ev extends Aggregate.TaggedEvent, E, R> {
  readonly aggregate: Aggregate.Aggregate<S, C, Ev>
  readonly aggregateId: string
  readonly command: C
  /** Correlation and causation of the events (`EventEnvelope.root(commandId)` for a user's command). */
  readonly causality: EventEnvelope.Causality
  /** The side effect of the decision (files, nix). Runs at most once, after `decide`, before the append. */
  readonly perform?: (events: ReadonlyArray<Ev>, state: S) => Effect.Effect<Performed | void, E, R>
}

/** What a handler returns: the stored envelopes and the state after them. */
export interface Outcome<S> {
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
  readonly state: S
}

/** Loads one stream and folds it into the aggregate's state; also returns its version. */
export const load = <S, C, Ev extends Aggregate.TaggedEvent>(aggregate: Aggregate.Aggregate<S, C, Ev>, aggregateId: string) =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const stored = yield* store.readStream({ aggregateType: aggregate.aggregateType, aggregateId })
    const events = yield* Effect.forEach(stored, (envelope) => DomainEvent.fromEnvelope(envelope))
    return { state: aggregate.fold(events as ReadonlyArray<unknown> as ReadonlyArray<Ev>), version: stored.length }
  })

const sameEvents = <S, C, Ev extends Aggregate.TaggedEvent>(
  aggregate: Aggregate.Aggregate<S, C, Ev>,
  a: ReadonlyArray<Ev>,
  b: ReadonlyArray<Ev>
) => a.length === b.length && a.every((event, i) => JSON.stringify(aggregate.encode(event)) === JSON.stringify(aggregate.encode(b[i]!)))

/** Runs a command: load, decide, perform, append (retrying the decision once on a conflict). */
export const execute = <S, C, Ev extends Aggregate.TaggedEvent, E = never, R = never>(execution: Execution<S, C, Ev, E, R>) =>
  Effect.gen(function* () {
    const { aggregate, aggregateId, command } = execution
    const store = yield* EventStore.EventStore
    const stream = { aggregateType: aggregate.aggregateType, aggregateId }
    const first = yield* load(aggregate, aggregateId)
    const events = yield* aggregate.decide(command, first.state)
    const performed = execution.perform === undefined ? undefined : yield* execution.perform(events, first.state)
    const undo = performed ? performed.undo : Effect.void

    const append = (version: number) =>
      Effect.gen(function* () {
        const newEvents = yield* Aggregate.toNewEvents(aggregate, events, {
          aggregateId,
          eventIds: yield* Ids.uuidv7s(events.length),
          occurredAt: yield* DateTime.now,
          causality: execution.causality
        })
        return yield* store.append(stream, newEvents, version)
      })

    const fold = (state: S) => events.reduce(aggregate.evolve, state)
    const outcome: Outcome<S> = yield* append(first.version).pipe(
      Effect.map((stored) => ({ events: stored, state: fold(first.state) })),
      Effect.catchTag("ConcurrencyConflict", (conflict) =>
        Effect.gen(function* () {
          const fresh = yield* load(aggregate, aggregateId)
          const again = yield* Effect.option(aggregate.decide(command, fresh.state))
          if (Option.isNone(again) || !sameEvents(aggregate, again.value, events)) return yield* Effect.fail(conflict)
          return { events: yield* append(fresh.version), state: fold(fresh.state) }
        })
      ),
      Effect.tapError(() => undo)
    )
    return outcome
  })

/** Every error `execute` itself can raise, besides those of `perform`. */
export type ExecuteError = DomainError | EventStore.AppendError | EventStore.ReadError
