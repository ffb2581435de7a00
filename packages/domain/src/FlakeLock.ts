/**
 * `flake.lock`: the graph of locked inputs Nix writes next to `flake.nix` (lock file versions 5
 * to 7, which every supported Nix reads; all current versions write 7). A node holds the
 * `locked` and `original` references of one input and its own inputs, each either a node name or
 * a `follows` path (input names from the root).
 */
import { Effect, Either, Option, ParseResult, Schema } from "effect"
import { ParseError } from "./Errors.js"
import * as FlakeRef from "./FlakeRef.js"

/** A node's input: the name of the node it is locked to, or a `follows` path from the root. */
export const InputTarget = Schema.Union(Schema.String, Schema.Array(Schema.String))
export type InputTarget = typeof InputTarget.Type

/** One node of the graph (the root has only `inputs`). */
export const Node = Schema.Struct({
  inputs: Schema.optional(Schema.Record({ key: Schema.String, value: InputTarget })),
  locked: Schema.optional(FlakeRef.FlakeRefFromAttrs),
  original: Schema.optional(FlakeRef.FlakeRefFromAttrs),
  /** False for `flake = false` inputs (plain source trees). */
  flake: Schema.optional(Schema.Boolean)
})
export type Node = typeof Node.Type

/** The whole lock file. */
export const FlakeLock = Schema.Struct({
  version: Schema.Literal(5, 6, 7),
  root: Schema.String,
  nodes: Schema.Record({ key: Schema.String, value: Node })
}).pipe(
  Schema.filter((lock) => lock.nodes[lock.root] !== undefined || `the root node '${lock.root}' is missing`),
  Schema.annotations({ identifier: "FlakeLock" })
)
export type FlakeLock = typeof FlakeLock.Type

const parseError = (input: string, message: string) =>
  new ParseError({
    kind: "FlakeLock",
    input: input.length > 2000 ? `${input.slice(0, 2000)}…` : input,
    position: 0,
    message,
    hint: "Regenerate the lock file with `nix flake lock` (lock file versions 5 to 7 are read)."
  })

/** Reads a parsed lock file (a JSON value). */
export const decode = (json: unknown): Effect.Effect<FlakeLock, ParseError> =>
  Schema.decodeUnknown(FlakeLock)(json).pipe(
    Effect.mapError((e) => parseError(JSON.stringify(json) ?? "", `not a flake.lock: ${ParseResult.TreeFormatter.formatErrorSync(e)}`))
  )

/** Reads the text of a `flake.lock` file. */
export const parse = (text: string): Effect.Effect<FlakeLock, ParseError> =>
  Either.match(
    Either.try({ try: () => JSON.parse(text) as unknown, catch: (e) => parseError(text, `flake.lock is not JSON: ${String(e)}`) }),
    { onLeft: Effect.fail, onRight: decode }
  )

/**
 * The node an input path (input names from the root, e.g. `["nixpkgs"]` or
 * `["home-manager", "nixpkgs"]`) is locked to, following `follows` paths. None when the path
 * names no input, or when `follows` paths loop.
 */
export const resolve = (lock: FlakeLock, path: ReadonlyArray<string>): Option.Option<string> => {
  const go = (path: ReadonlyArray<string>, seen: ReadonlySet<string>): Option.Option<string> => {
    let node = lock.root
    for (const name of path) {
      const target = lock.nodes[node]?.inputs?.[name]
      if (target === undefined) return Option.none()
      if (typeof target === "string") {
        node = target
      } else {
        const key = target.join("/")
        if (seen.has(key)) return Option.none()
        const followed = go(target, new Set([...seen, key]))
        if (Option.isNone(followed)) return followed
        node = followed.value
      }
    }
    return Option.some(node)
  }
  return go(path, new Set())
}

/** The locked reference of each direct input of the root, by input name (inputs that resolve to the root are left out). */
export const rootInputs = (lock: FlakeLock): ReadonlyMap<string, FlakeRef.FlakeRef> => {
  const out = new Map<string, FlakeRef.FlakeRef>()
  for (const name of Object.keys(lock.nodes[lock.root]?.inputs ?? {}).sort()) {
    const locked = Option.flatMap(resolve(lock, [name]), (node) => Option.fromNullable(lock.nodes[node]?.locked))
    if (Option.isSome(locked)) out.set(name, locked.value)
  }
  return out
}
