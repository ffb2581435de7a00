/**
 * UpdateFlake: `nix flake update` for all or the named inputs of a flake cim-nix knows, then
 * records for every input its old and new locked rev, narHash and lastModified (FlakeUpdated, a
 * lock diff a user can read). When the events cannot be recorded, `flake.lock` is put back.
 * `record` is also how CreateFlake and AddFlakeInput record the locks `nix flake lock` wrote.
 */
import { Effect, Option } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { DomainEvent, Flake, FlakeError, FlakeLock, ValidationError } from "@cim-nix/domain"
import * as Nix from "../ports/Nix.js"
import * as Workspace from "../ports/Workspace.js"
import * as CommandHandler from "./CommandHandler.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"

/** The request: the flake's directory and the inputs to update (all when empty). */
export interface UpdateFlake {
  readonly path: string
  readonly inputs: ReadonlyArray<string>
  readonly causality: EventEnvelope.Causality
}

/** What was updated: one change per input (unchanged ones included) and the recorded events. */
export interface Updated {
  readonly path: string
  readonly changes: ReadonlyArray<Flake.LockChange>
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

/** The locks `flake.lock` holds for the named root inputs (inputs it does not lock are left out). */
export const locksOf = (lock: FlakeLock.FlakeLock, names: ReadonlyArray<string>): Flake.UpdateFlake["locks"] => {
  const locked = FlakeLock.rootInputs(lock)
  return Object.fromEntries(
    names.flatMap((name) => {
      const ref = locked.get(name)
      return ref === undefined || ref.narHash === undefined
        ? []
        : [[name, { narHash: ref.narHash, ...(ref.rev === undefined ? {} : { rev: ref.rev }), ...(ref.lastModified === undefined ? {} : { lastModified: ref.lastModified }) }]]
    })
  )
}

/** The lock changes of recorded FlakeUpdated events. */
const changesOf = (events: ReadonlyArray<EventEnvelope.EventEnvelope>) =>
  Effect.map(
    Effect.forEach(events, (envelope) => DomainEvent.fromEnvelope(envelope)),
    (decoded) => decoded.flatMap((event) => (event._tag === "FlakeUpdated" ? event.changes : []))
  )

/** Records the locks of the named inputs as FlakeUpdated (no event when none of them is locked). */
export const record = (path: string, lock: FlakeLock.FlakeLock, names: ReadonlyArray<string>, causality: EventEnvelope.Causality) =>
  Effect.gen(function* () {
    const locks = locksOf(lock, names)
    if (Object.keys(locks).length === 0) return { path, changes: [], events: [] } satisfies Updated
    const outcome = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: Flake.aggregateId(path),
      command: Flake.UpdateFlake.make({ path, locks }),
      causality
    })
    return { path, changes: yield* changesOf(outcome.events), events: outcome.events } satisfies Updated
  })

/** The flake's state, or a FlakeError when cim-nix has not recorded a flake there. */
export const known = (path: string) =>
  Effect.flatMap(CommandHandler.load(Flake.aggregate, Flake.aggregateId(path)), ({ state }) =>
    Option.match(state, {
      onNone: () =>
        Effect.fail(
          new FlakeError({
            path,
            message: `cim-nix has no flake at ${path}`,
            hint: `Create it with \`cim-nix flake create ${path}\`, adopt the flake.nix that is there with \`cim-nix flake adopt ${path}\`, or check the path.`
          })
        ),
      onSome: Effect.succeed
    })
  )

/** Updates the inputs with Nix and records the lock diff; `flake.lock` is restored when recording fails. */
export const handle = (request: UpdateFlake) =>
  Effect.gen(function* () {
    const { path } = request
    const flake = yield* known(path)
    for (const name of request.inputs) {
      const input = flake.inputs[name]
      if (input === undefined || !Object.hasOwn(flake.inputs, name)) {
        return yield* new ValidationError({
          field: "inputs",
          message: `the flake at ${path} has no input ${name}`,
          hint: `Name one of its inputs: ${Object.keys(flake.inputs).join(", ") || "(it has none)"}.`
        })
      }
      if (input.follows !== undefined) {
        return yield* new ValidationError({ field: "inputs", message: `input ${name} follows ${input.follows}: it has no lock of its own`, hint: `Update ${input.follows} instead.` })
      }
    }
    const nix = yield* Nix.Nix
    const workspace = yield* Workspace.Workspace
    const lockFile = FlakeDirectory.lockFile(path)
    const before = yield* FlakeDirectory.snapshot(lockFile)
    const lock = yield* nix.updateFlake(FlakeDirectory.ref(path), request.inputs)
    const names = request.inputs.length > 0 ? request.inputs : Object.keys(flake.inputs).filter((name) => flake.inputs[name]!.follows === undefined)
    return yield* record(path, lock, names, request.causality).pipe(Effect.tapError(() => FlakeDirectory.restore(workspace, lockFile, before)))
  })
