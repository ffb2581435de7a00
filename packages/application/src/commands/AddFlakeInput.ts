/**
 * AddFlakeInput: adds an input to the (possibly hand-written) `flake.nix` through the
 * Workspace's byte-preserving editor, records FlakeInputAdded, then pins the input with
 * `nix flake lock` and records its lock (FlakeUpdated). Inputs fetched from the network are
 * added but not locked: the outcome says why. When locking or recording fails, `flake.nix` and
 * `flake.lock` are put back as they were.
 */
import { Effect, Option } from "effect"
import type { EventEnvelope, FlakeLock } from "@cim-nix/domain"
import { Flake } from "@cim-nix/domain"
import * as Nix from "../ports/Nix.js"
import * as Workspace from "../ports/Workspace.js"
import * as CommandHandler from "./CommandHandler.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"
import * as UpdateFlake from "./UpdateFlake.js"

/** The request. */
export interface AddFlakeInput {
  readonly path: string
  readonly input: Flake.InputSpec
  readonly causality: EventEnvelope.Causality
}

/** Whether `nix flake lock` ran (and which inputs it pinned), or why it was skipped. */
export type LockOutcome = { readonly locked: ReadonlyArray<string> } | { readonly skipped: string }

/** What was added and recorded. */
export interface Added {
  readonly path: string
  readonly name: string
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
  readonly lock: LockOutcome
}

/** The edit of `flake.nix` for an input spec. */
const addInput = (spec: Flake.InputSpec): Workspace.AddInput => ({
  _tag: "AddInput",
  name: spec.name,
  ...(spec.ref === undefined ? {} : { url: spec.ref }),
  ...(spec.follows === undefined ? {} : { follows: spec.follows }),
  ...(Object.keys(spec.overrides).length === 0 ? {} : { overrides: spec.overrides }),
  ...(spec.flake ? {} : { flake: false })
})

/** Adds the input, then locks it when that works offline. */
export const handle = (request: AddFlakeInput) =>
  Effect.gen(function* () {
    const { path } = request
    const workspace = yield* Workspace.Workspace
    const nix = yield* Nix.Nix
    let lock: FlakeLock.FlakeLock | string = ""
    const added = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: Flake.aggregateId(path),
      command: Flake.AddFlakeInput.make({ path, input: request.input }),
      causality: request.causality,
      perform: (events, state) =>
        FlakeDirectory.changeFiles(path, (lockBefore) =>
          Effect.gen(function* () {
            yield* workspace.editFlake(FlakeDirectory.nixFile(path), addInput(request.input))
            const inputs = Object.fromEntries([
              ...Object.entries(Option.match(state, { onNone: () => ({}), onSome: (flake) => flake.inputs })),
              ...events.flatMap((event) => (event._tag === "FlakeInputAdded" ? [[event.name, event.input] as const] : []))
            ])
            const reason = FlakeDirectory.unlockableReason(inputs, FlakeDirectory.lockedInputs(lockBefore))
            lock = Option.isNone(reason) ? yield* nix.lockFlake(FlakeDirectory.ref(path)) : reason.value
          })
        ).pipe(Effect.map(({ undo }) => ({ undo })))
    })
    const name = request.input.name
    if (typeof lock === "string") return { path, name, events: added.events, lock: { skipped: lock } } satisfies Added
    const updated = yield* UpdateFlake.record(path, lock, [name], FlakeDirectory.after(added.events, request.causality))
    return {
      path,
      name,
      events: [...added.events, ...updated.events],
      lock: { locked: updated.changes.map((c) => c.input) }
    } satisfies Added
  })
