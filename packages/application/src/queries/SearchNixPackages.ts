/**
 * SearchNixPackages: the packages of a flake whose attribute path, pname or description matches
 * a regular expression (case-insensitive, as `nix search`), answered from the search index read
 * model. The index is built with ONE `nix search --json <flake> ^` the first time a flake is
 * searched, or again when `refresh` is asked (after the flake changed); every other query runs
 * no Nix process.
 */
import { DateTime, Effect, Option, Schema } from "effect"
import type { FlakeError, ValidationError } from "@cim-nix/domain"
import { FlakeRef, ParseError } from "@cim-nix/domain"
import type { StoreUnavailable } from "../ports/EventStore.js"
import * as Nix from "../ports/Nix.js"
import type { ProjectionStore } from "../projections/ProjectionStore.js"
import * as SearchIndex from "../projections/SearchIndex.js"

/** The query: the flake reference, the regular expression, and whether to rebuild the index first. */
export const SearchNixPackages = Schema.TaggedStruct("SearchNixPackages", {
  flake: Schema.String,
  regex: Schema.String,
  refresh: Schema.optional(Schema.Boolean)
})
export type SearchNixPackages = typeof SearchNixPackages.Type

/** The answer: the matching packages, the size and age of the index, and whether it was rebuilt for this query. */
export interface Found {
  readonly flake: string
  readonly hits: ReadonlyArray<SearchIndex.Hit>
  readonly indexed: number
  readonly refreshedAt: DateTime.Utc
  readonly refreshed: boolean
}

/** Everything the query can fail with. */
export type Error = Nix.NixError | FlakeError | ValidationError | ParseError | StoreUnavailable

const parseFlake = (text: string) =>
  text.startsWith("-")
    ? Effect.fail(new ParseError({ kind: "FlakeRef", input: text, position: 0, message: `'${text}' looks like a flag, not a flake reference`, hint: "Give a flake reference such as path:/src/app or ./app." }))
    : FlakeRef.parse(text)

/** Builds the index of a flake from one `nix search` and stores it. */
export const refresh = (flake: FlakeRef.FlakeRef): Effect.Effect<SearchIndex.Index, Error, Nix.Nix | ProjectionStore> =>
  Effect.gen(function* () {
    const nix = yield* Nix.Nix
    const hits = yield* nix.search(flake, "^")
    const index = SearchIndex.make(FlakeRef.format(flake), hits, yield* DateTime.now)
    yield* SearchIndex.save(index)
    return index
  })

/** Answers the query, building the index first when there is none or `refresh` is set. */
export const handle = (query: SearchNixPackages): Effect.Effect<Found, Error, Nix.Nix | ProjectionStore> =>
  Effect.gen(function* () {
    const regex = yield* SearchIndex.compile(query.regex)
    const flake = yield* parseFlake(query.flake)
    const stored = query.refresh === true ? Option.none() : yield* SearchIndex.load(FlakeRef.format(flake))
    const index = Option.isSome(stored) ? stored.value : yield* refresh(flake)
    return {
      flake: index.flake,
      hits: SearchIndex.search(index, regex),
      indexed: index.packages.length,
      refreshedAt: index.refreshedAt,
      refreshed: Option.isNone(stored)
    }
  })
