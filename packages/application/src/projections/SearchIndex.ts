/**
 * The search index read model: for each flake, its packages (attribute path, pname, version,
 * description) as one `nix search --json` listed them, and when. It is not folded from events:
 * `SearchNixPackages` builds it from Nix on demand (`refresh`) and queries read it without Nix.
 * One document per flake, keyed by the canonical flake reference; packages are stored as
 * tuples to keep a 20,000-package document small and quick to read.
 */
import { DateTime, Effect, Option, Schema } from "effect"
import { AttributePath, ValidationError } from "@cim-nix/domain"
import type { StoreUnavailable } from "../ports/EventStore.js"
import type * as Nix from "../ports/Nix.js"
import * as ProjectionStore from "./ProjectionStore.js"

/** The read model's name in the projection store. */
export const name = "search-index"

/** One package: attribute path (as Nix prints it), pname, version, description. */
export const Entry = Schema.Tuple(Schema.String, Schema.String, Schema.String, Schema.String)
export type Entry = typeof Entry.Type

/** The index of one flake. */
export const Index = Schema.Struct({
  flake: Schema.String,
  refreshedAt: Schema.DateTimeUtc,
  packages: Schema.Array(Entry)
})
export type Index = typeof Index.Type

/** A package found. */
export interface Hit {
  readonly attrPath: string
  readonly pname: string
  readonly version: string
  readonly description: string
}

/** An index of `hits` made at `refreshedAt`. */
export const make = (flake: string, hits: ReadonlyArray<Nix.SearchHit>, refreshedAt: DateTime.Utc): Index => ({
  flake,
  refreshedAt,
  packages: hits.map((h): Entry => [AttributePath.print(h.attrPath), h.pname, h.version, h.description])
})

/** Reads a regular expression as `nix search` does: case-insensitive. */
export const compile = (regex: string): Effect.Effect<RegExp, ValidationError> =>
  Effect.try({
    try: () => new RegExp(regex === "" ? "^" : regex, "i"),
    catch: (e) => new ValidationError({ field: "regex", message: `'${regex}' is not a regular expression: ${(e as Error).message}`, hint: "Give a JavaScript regular expression, e.g. '^pkg-1' or 'hello|world'." })
  })

/** The packages whose attribute path, pname or description matches, in attribute path order. */
export const search = (index: Index, regex: RegExp): ReadonlyArray<Hit> => {
  const hits: Array<Hit> = []
  for (const [attrPath, pname, version, description] of index.packages) {
    if (regex.test(attrPath) || regex.test(pname) || regex.test(description)) hits.push({ attrPath, pname, version, description })
  }
  return hits
}

const decode = Schema.decodeUnknown(Index)
const encode = Schema.encode(Index)

/** The stored index of a flake, if any. */
export const load = (flake: string): Effect.Effect<Option.Option<Index>, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const found = (yield* store.get(name, [flake])).get(flake)
    if (found === undefined) return Option.none()
    return yield* decode(found).pipe(
      Effect.map(Option.some),
      // A document this version cannot read is stale: it is rebuilt like a missing one.
      Effect.orElseSucceed(() => Option.none<Index>())
    )
  })

/** Stores (replaces) the index of its flake. */
export const save = (index: Index): Effect.Effect<void, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const document = yield* Effect.orDie(encode(index))
    yield* store.commit([{ projection: name, checkpoint: { position: 0, version: 1 }, documents: new Map([[index.flake, document]]) }])
  })
