/**
 * RunGarbageCollection: collects the Nix store's garbage (all of it, at most `maxFreed` bytes,
 * after deleting profile generations older than `olderThan`, or only the given dead paths), or
 * with `dryRun` only lists what would go, then records GarbageCollected on the store's stream
 * with the options, the bytes freed (none in a dry run) and the number of paths deleted. The
 * options are checked by the aggregate's own rules before Nix runs.
 */
import { Effect, Schema } from "effect"
import type { EventEnvelope, ParseError, ValidationError } from "@cim-nix/domain"
import { GarbageCollection, StorePath } from "@cim-nix/domain"
import type * as EventStore from "../ports/EventStore.js"
import * as Nix from "../ports/Nix.js"
import * as CommandHandler from "./CommandHandler.js"

/** The command: the collection's options, and optionally the only store paths to delete. */
export const RunGarbageCollection = Schema.TaggedStruct("RunGarbageCollection", {
  ...GarbageCollection.Options.fields,
  paths: Schema.optional(Schema.Array(Schema.String))
})
export type RunGarbageCollection = typeof RunGarbageCollection.Type

/** What Nix deleted (or would delete) and the event recorded. */
export interface Collected {
  readonly result: Nix.GcResult
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

/** Everything the command can fail with. */
export type Error = Nix.NixError | ValidationError | ParseError | CommandHandler.ExecuteError

const run = (options: GarbageCollection.Options, freedBytes: number, deletedPaths: number) =>
  GarbageCollection.RunGarbageCollection.make({ options, freedBytes, deletedPaths })

/** Runs the command; the event carries `causality`. Bad options or paths fail before Nix runs, and nothing is recorded. */
export const handle = (command: RunGarbageCollection, causality: EventEnvelope.Causality): Effect.Effect<Collected, Error, Nix.Nix | EventStore.EventStore> =>
  Effect.gen(function* () {
    const options: GarbageCollection.Options = {
      dryRun: command.dryRun,
      ...(command.olderThan === undefined ? {} : { olderThan: command.olderThan }),
      ...(command.maxFreed === undefined ? {} : { maxFreed: command.maxFreed })
    }
    // The aggregate's rules on the options, before anything is deleted.
    yield* GarbageCollection.aggregate.decide(run(options, 0, 0), GarbageCollection.aggregate.initial)
    const paths = command.paths === undefined ? undefined : yield* Effect.forEach(command.paths, (p) => StorePath.parse(p))
    const nix = yield* Nix.Nix
    const result = yield* nix.collectGarbage({ ...options, ...(paths === undefined ? {} : { paths }) })
    const storeDir = paths?.[0]?.storeDir ?? result.deletedPaths[0]?.storeDir
    const outcome = yield* CommandHandler.execute<GarbageCollection.State, GarbageCollection.Command, GarbageCollection.Event, never, never>({
      aggregate: GarbageCollection.aggregate,
      aggregateId: GarbageCollection.aggregateId(storeDir),
      command: run(options, options.dryRun ? 0 : Math.round(result.freedBytes), result.deletedPaths.length),
      causality
    })
    return { result, events: outcome.events }
  })
