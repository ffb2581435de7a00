/**
 * Test doubles for the flake handlers: a Workspace over a Map of files (editFlake appends a
 * marker comment per edit, or fails as told) and a partial Nix with only the flake operations.
 */
import type { Either } from "effect"
import { Effect, Layer, Option } from "effect"
import type { FlakeLock } from "@cim-nix/domain"
import { EventEnvelope, Flake, FlakeError, IoError } from "@cim-nix/domain"
import { CommandHandler, EventStore, Nix, UpdateFlake, Workspace } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"

/** The files of the fake workspace, by absolute path. */
export type Files = Map<string, string>

/** A Workspace over `files`; `onWrite` runs before each write (to race another writer). */
export const workspace = (files: Files, onWrite: (path: string) => Effect.Effect<void> = () => Effect.void) =>
  Layer.succeed(
    Workspace.Workspace,
    Workspace.Workspace.of({
      roots: ["/"],
      resolve: Effect.succeed,
      exists: (path) => Effect.succeed(files.has(path) || [...files.keys()].some((f) => f.startsWith(`${path}/`))),
      readFile: (path) =>
        Option.match(Option.fromNullable(files.get(path)), {
          onNone: () => Effect.fail(new IoError({ path, operation: "read", message: `no ${path}`, hint: "" })),
          onSome: Effect.succeed
        }),
      writeFile: (path, content, options) =>
        Effect.zipRight(
          onWrite(path),
          files.has(path) && options?.overwrite !== true
            ? Effect.fail(new IoError({ path, operation: "write", message: `${path} exists`, hint: "" }))
            : Effect.sync(() => void files.set(path, content))
        ),
      makeDirectory: () => Effect.void,
      list: () => Effect.succeed([]),
      remove: (path) => Effect.sync(() => void files.delete(path)),
      editFlake: (path, edits) =>
        Effect.sync(() => {
          const before = files.get(path) ?? ""
          const after = `${before}# ${JSON.stringify(edits)}\n`
          files.set(path, after)
          return { path, before, after }
        }),
      gitAdd: (directory, added) => Effect.sync(() => void files.set(`${directory}/.git-index`, added.join("\n"))).pipe(Effect.as({ initialised: true }))
    })
  )

/** A lock file with path: inputs locked to a NAR hash made from `seed`. */
export const lockWith = (inputs: ReadonlyArray<string>, seed = "A"): FlakeLock.FlakeLock => ({
  version: 7,
  root: "root",
  nodes: {
    root: { inputs: Object.fromEntries(inputs.map((name) => [name, name])) },
    ...Object.fromEntries(
      inputs.map((name) => [
        name,
        {
          locked: { type: "path", path: `/src/${name}`, narHash: `sha256-${seed.repeat(43)}=`, lastModified: 1_700_000_000 },
          original: { type: "path", path: `/src/${name}` }
        }
      ])
    )
  }
})

/** A Nix whose flake operations succeed (lock and update write `lock` into `files`), or fail as overridden. */
export const nix = (files: Files, lock: () => FlakeLock.FlakeLock, overrides: Partial<Nix.NixService> = {}) => {
  const writeLock = (ref: { readonly path?: string }) =>
    Effect.sync(() => {
      files.set(`${ref.path}/flake.lock`, JSON.stringify(lock()))
      return lock()
    })
  return Layer.succeed(
    Nix.Nix,
    Nix.Nix.of({
      lockFlake: (ref) => writeLock(ref as { readonly path?: string }),
      updateFlake: (ref) => writeLock(ref as { readonly path?: string }),
      checkFlake: () => Effect.void,
      showFlake: () => Effect.succeed({ packages: { "x86_64-linux": { default: { type: "derivation", name: "hello" } } } }),
      ...overrides
    } as Partial<Nix.NixService> as Nix.NixService)
  )
}

/** A FlakeError as the adapter reports a failed `nix flake ...`. */
export const nixFailure = (message: string) =>
  new FlakeError({ path: "path:/work/f", message, hint: "Read Nix's message.", stderrTail: `error: ${message}` })

/** How `onRecordedFlake` sets up the flake at /work/f. */
export interface Setup {
  /** The flake's inputs; the non-follows ones are locked (seed A) in flake.lock. */
  readonly inputs: ReadonlyArray<Flake.InputSpec>
  /** Also record those locks (FlakeUpdated) after FlakeCreated. */
  readonly recordLocks: boolean
  /** The lock Nix writes when asked to lock or update. */
  readonly nextLock: FlakeLock.FlakeLock
}

/**
 * Records a flake at /work/f as set up (flake.nix `{ }`), runs `effect` (against a Nix with
 * `overrides`), and returns its outcome and the stream.
 */
export const onRecordedFlake = <A, E>(files: Files, setup: Setup, effect: Effect.Effect<A, E, any>, overrides: Partial<Nix.NixService> = {}) =>
  Effect.gen(function* () {
    const locked = setup.inputs.filter((i) => i.follows === undefined).map((i) => i.name)
    files.set("/work/f/flake.nix", "{ }\n")
    files.set("/work/f/flake.lock", JSON.stringify(lockWith(locked)))
    const created = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: "/work/f",
      command: Flake.CreateFlake.make({ path: "/work/f", inputs: setup.inputs }),
      causality: EventEnvelope.root("cmd-0")
    })
    if (setup.recordLocks) yield* UpdateFlake.record("/work/f", lockWith(locked), locked, EventEnvelope.root(created.events[0]!.eventId))
    const value = yield* Effect.either(effect)
    return { value, stored: yield* (yield* EventStore.EventStore).readStream({ aggregateType: Flake.aggregateType, aggregateId: "/work/f" }) }
  }).pipe(
    Effect.provide(Layer.mergeAll(workspace(files), nix(files, () => setup.nextLock, overrides))),
    Effect.provide(InMemoryEventStore.layer)
  ) as Effect.Effect<{ value: Either.Either<A, E>; stored: ReadonlyArray<EventEnvelope.EventEnvelope> }>

/** An input spec of a path: flake. */
export const pathInput = (name: string): Flake.InputSpec => ({ name, ref: `path:/src/${name}`, overrides: {}, flake: true })

/** Inputs a and b (their locks recorded, seed A) and c following a; Nix then locks with seed B. */
export const lockedTwoAndFollows: Setup = {
  inputs: [pathInput("a"), pathInput("b"), { name: "c", follows: "a", overrides: {}, flake: true }],
  recordLocks: true,
  nextLock: lockWith(["a", "b"], "B")
}
