// Helpers for aggregate tests: decide a command on the state folded from a history, and get
// the events or the error.
import { Effect } from "effect"
import type { Aggregate, TaggedEvent } from "../../src/Aggregate.js"

/** The events `command` causes after `history`. */
export const accept = <S, C, E extends TaggedEvent>(aggregate: Aggregate<S, C, E>, history: ReadonlyArray<E>, command: C) =>
  aggregate.decide(command, aggregate.fold(history))

/** The error `command` fails with after `history` (fails the test when it succeeds). */
export const reject = <S, C, E extends TaggedEvent>(aggregate: Aggregate<S, C, E>, history: ReadonlyArray<E>, command: C) =>
  Effect.flip(accept(aggregate, history, command))
