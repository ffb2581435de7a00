/**
 * The search index read model: for each flake, its packages (attribute path, pname, version,
 * description) as one `nix search --json` listed them, and when. It is not folded from events:
 * `SearchNixPackages` builds it from Nix on demand (`refresh`) and queries read it without Nix.
 * Per flake, keyed by its canonical reference: a small head (when, how many) and the packages
 * as tuples (a 20,000-package document stays small); a process keeps the indexes it read last.
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

/** The small document that says when a flake's index was built; the packages sit under their own key. */
const Head = Schema.Struct({ flake: Schema.String, refreshedAt: Schema.DateTimeUtc, count: Schema.Int })
const Packages = Schema.Struct({ packages: Schema.Array(Entry) })

const packagesKey = (flake: string) => `${flake}\u0000packages`

/**
 * Indexes read recently, by flake. An entry is used only while the stored head still has its
 * `refreshedAt`, so a long-running process (the server, a benchmark) reads and decodes a large
 * index once per refresh and then only the small head per query.
 */
const recent = new Map<string, Index>()
const remember = (index: Index) => {
  recent.delete(index.flake)
  recent.set(index.flake, index)
  if (recent.size > 8) recent.delete(recent.keys().next().value!)
  return index
}

/** A stored document this version cannot read is stale: treated like a missing one, it is rebuilt. */
const decodeOr = <A, I>(schema: Schema.Schema<A, I>, json: unknown) =>
  Schema.decodeUnknown(schema)(json).pipe(Effect.map(Option.some), Effect.orElseSucceed(() => Option.none<A>()))

/** The stored index of a flake, if any. */
export const load = (flake: string): Effect.Effect<Option.Option<Index>, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const head = yield* decodeOr(Head, (yield* store.get(name, [flake])).get(flake))
    if (Option.isNone(head)) return Option.none()
    const known = recent.get(flake)
    if (known !== undefined && DateTime.Equivalence(known.refreshedAt, head.value.refreshedAt)) return Option.some(known)
    const stored = yield* decodeOr(Packages, (yield* store.get(name, [packagesKey(flake)])).get(packagesKey(flake)))
    return Option.map(stored, ({ packages }) => remember({ flake, refreshedAt: head.value.refreshedAt, packages }))
  })

/** Stores (replaces) the index of its flake. */
export const save = (index: Index): Effect.Effect<void, StoreUnavailable, ProjectionStore.ProjectionStore> =>
  Effect.gen(function* () {
    const store = yield* ProjectionStore.ProjectionStore
    const head = Schema.encodeSync(Head)({ flake: index.flake, refreshedAt: index.refreshedAt, count: index.packages.length })
    const packages = Schema.encodeSync(Packages)({ packages: index.packages })
    yield* store.commit([
      { projection: name, checkpoint: { position: 0, version: 1 }, documents: new Map<string, unknown>([[index.flake, head], [packagesKey(index.flake), packages]]) }
    ])
    remember(index)
  })
