/**
 * Garbage collections of a Nix store (`nix-collect-garbage`). Stateless apart from totals: one
 * stream per store directory, one GarbageCollected event per run, with the options it ran
 * with, the bytes it freed and the number of store paths it deleted (or, in a dry run, would
 * delete).
 */
import { Effect, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import { ValidationError } from "./Errors.js"

/** The envelope's `aggregateType` of garbage collection streams. */
export const aggregateType = "GarbageCollection"
/** The stream of a store's garbage collections: its store directory. */
export const aggregateId = (storeDir = "/nix/store"): string => storeDir

const days = /^[0-9]+d$/

/** How the collection ran. */
export const Options = Schema.Struct({
  /** Report what would be deleted, delete nothing. */
  dryRun: Schema.Boolean,
  /** `--delete-older-than`: first delete profile generations older than this many days, written `<N>d`. */
  olderThan: Schema.optional(Schema.String),
  /** `--max-freed`: stop after freeing this many bytes. */
  maxFreed: Schema.optional(Schema.Number)
})
export type Options = typeof Options.Type

const outcome = {
  options: Options,
  freedBytes: Schema.Number,
  deletedPaths: Schema.Number
}

// Commands

/** Records a garbage collection the handler ran. */
export const RunGarbageCollection = Schema.TaggedStruct("RunGarbageCollection", outcome)
export type RunGarbageCollection = typeof RunGarbageCollection.Type

/** The commands of garbage collection. */
export const Command = RunGarbageCollection
export type Command = RunGarbageCollection

// Events

/** A garbage collection ran. */
export const GarbageCollected = Schema.TaggedStruct("GarbageCollected", {
  options: Schema.Struct({
    ...Options.fields,
    olderThan: Schema.optional(Schema.String.pipe(Schema.pattern(days))),
    maxFreed: Schema.optional(Schema.NonNegativeInt)
  }),
  freedBytes: Schema.NonNegativeInt,
  deletedPaths: Schema.NonNegativeInt
})
export type GarbageCollected = typeof GarbageCollected.Type

/** The events of garbage collection. */
export const Event = GarbageCollected
export type Event = GarbageCollected

/** Totals over a store's collections (dry runs count as runs but free nothing). */
export interface State {
  readonly runs: number
  readonly freedBytes: number
  readonly deletedPaths: number
}

const count = (field: string, value: number, what: string) =>
  Number.isSafeInteger(value) && value >= 0
    ? Effect.void
    : Effect.fail(new ValidationError({ field, message: `${value} is not a number of ${what}`, hint: `Give ${field} as a whole number, 0 or more.` }))

const decide = (command: Command, _state: State) =>
  Effect.gen(function* () {
    const { olderThan, maxFreed, dryRun } = command.options
    if (olderThan !== undefined && !days.test(olderThan)) {
      return yield* new ValidationError({
        field: "options.olderThan",
        message: `${JSON.stringify(olderThan)} is not an age in days`,
        hint: "Write the age as a number of days followed by d, e.g. 30d: nix-collect-garbage --delete-older-than accepts nothing else."
      })
    }
    if (maxFreed !== undefined) yield* count("options.maxFreed", maxFreed, "bytes")
    yield* count("freedBytes", command.freedBytes, "bytes")
    yield* count("deletedPaths", command.deletedPaths, "store paths")
    if (dryRun && command.freedBytes > 0) {
      return yield* new ValidationError({
        field: "freedBytes",
        message: `a dry run cannot free bytes, but ${command.freedBytes} were reported freed`,
        hint: "Report 0 freed bytes for a dry run (the paths it would delete go in deletedPaths)."
      })
    }
    const { _tag, ...collected } = command
    return [GarbageCollected.make(collected)]
  })

/** The garbage collection aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: { runs: 0, freedBytes: 0, deletedPaths: 0 } satisfies State as State,
  decide,
  evolve: (state: State, event: Event): State =>
    event.options.dryRun
      ? { ...state, runs: state.runs + 1 }
      : { runs: state.runs + 1, freedBytes: state.freedBytes + event.freedBytes, deletedPaths: state.deletedPaths + event.deletedPaths },
  events: Event,
  schemaVersions: { GarbageCollected: 1 }
})
