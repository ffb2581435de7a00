/**
 * What the flake command handlers share about a flake directory: its `path:` reference, its
 * `flake.nix` and `flake.lock`, taking a snapshot of a file and putting it back (the `undo` of a
 * command whose events could not be recorded), and whether an input can be locked offline.
 */
import { Effect, Either, Option } from "effect"
import type { Flake } from "@cim-nix/domain"
import { EventEnvelope, FlakeLock, FlakeRef, NixExpr } from "@cim-nix/domain"
import * as Nix from "../../ports/Nix.js"
import * as Workspace from "../../ports/Workspace.js"

/** The `path:` reference of the flake in `directory` (untracked files count, even in a Git work tree). */
export const ref = (directory: string): FlakeRef.FlakeRef => FlakeRef.unsafeMake({ type: "path", path: directory })

/** `<directory>/flake.nix`. */
export const nixFile = (directory: string) => `${directory === "/" ? "" : directory}/flake.nix`
/** `<directory>/flake.lock`. */
export const lockFile = (directory: string) => `${directory === "/" ? "" : directory}/flake.lock`

/** The content of a file, or none when it does not exist. */
export const snapshot = (file: string) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    return (yield* workspace.exists(file)) ? Option.some(yield* workspace.readFile(file)) : Option.none<string>()
  })

/** Puts a file back as `snapshot` saw it (removes it when it did not exist). Best effort: never fails. */
export const restore = (workspace: Workspace.WorkspaceService, file: string, before: Option.Option<string>): Effect.Effect<void> =>
  Option.match(before, {
    onNone: () => workspace.remove(file),
    onSome: (text) => workspace.writeFile(file, text, { overwrite: true })
  }).pipe(Effect.ignore)

/** Why locking `ref` needs the network, or none when Nix can lock it offline (`path:` and `git+file:`). */
export const networkReason = (ref: FlakeRef.FlakeRef): Option.Option<string> =>
  ref.type === "path" || (ref.type === "git" && ref.url.startsWith("file:"))
    ? Option.none()
    : Option.some(`${FlakeRef.format(ref)} is fetched from the network (only path: and git+file: inputs are locked offline)`)

/**
 * Why the inputs cannot all be locked offline: the first input that needs the network and is
 * not locked yet (`locked` lists the inputs `flake.lock` already pins), or none.
 */
export const unlockableReason = (
  inputs: { readonly [name: string]: Flake.FlakeInput },
  locked: ReadonlySet<string>
): Option.Option<string> => {
  for (const [name, input] of Object.entries(inputs)) {
    if (input.ref === undefined || locked.has(name)) continue
    const reason = networkReason(input.ref)
    if (Option.isSome(reason)) return Option.some(`input ${name}: ${reason.value}`)
  }
  return Option.none()
}

/** The causality of what the last of `events` causes (the next command in the same conversation). */
export const after = (events: ReadonlyArray<EventEnvelope.EventEnvelope>, causality: EventEnvelope.Causality): EventEnvelope.Causality => {
  const last = events[events.length - 1]
  return last === undefined ? causality : EventEnvelope.causedBy({ correlationId: last.correlationId, id: last.eventId })
}

/** The root inputs `flake.lock` (its text, when there is one) pins; empty when it cannot be read. */
export const lockedInputs = (lockText: Option.Option<string>): ReadonlySet<string> =>
  Option.match(lockText, {
    onNone: () => new Set<string>(),
    onSome: (text) =>
      Either.match(Effect.runSync(Effect.either(FlakeLock.parse(text))), {
        onLeft: () => new Set<string>(),
        onRight: (lock) => new Set(FlakeLock.rootInputs(lock).keys())
      })
  })

/**
 * Snapshots `flake.nix` and `flake.lock`, then runs `change` (an edit, then `nix flake lock`);
 * when it fails both files are put back. Returns the change's value and the `undo` for
 * CommandHandler.execute, with the `flake.lock` text from before.
 */
export const changeFiles = <A, E, R>(directory: string, change: (lockBefore: Option.Option<string>) => Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const nix = yield* snapshot(nixFile(directory))
    const lock = yield* snapshot(lockFile(directory))
    const undo = Effect.zipRight(restore(workspace, nixFile(directory), nix), restore(workspace, lockFile(directory), lock))
    const value = yield* Effect.tapError(change(lock), () => undo)
    return { value, undo }
  })

/**
 * What the `flake.nix` of `directory` declares, evaluated by Nix (impure: it reads the file):
 * `{ description, inputs, implicit }`, where `implicit` lists the arguments of `outputs` other
 * than `self` that `inputs` does not declare (see `Flake.fromDeclaration`).
 */
export const declaration = (directory: string) =>
  Effect.gen(function* () {
    const nix = yield* Nix.Nix
    const file = yield* NixExpr.print(NixExpr.string(nixFile(directory)))
    const expression = [
      `let flake = import ${file}; inputs = flake.inputs or { }; in {`,
      `  description = flake.description or "";`,
      `  inherit inputs;`,
      `  implicit = builtins.attrNames (builtins.removeAttrs (builtins.functionArgs flake.outputs) ([ "self" ] ++ builtins.attrNames inputs));`,
      `}`
    ].join("\n")
    return yield* nix.eval({ _tag: "Expression", expression }, { impure: true })
  })
