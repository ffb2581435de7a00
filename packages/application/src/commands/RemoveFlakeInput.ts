/**
 * RemoveFlakeInput: removes an input from `flake.nix` through the Workspace's byte-preserving
 * editor (refused while the outputs still use it or another input follows it), records
 * FlakeInputRemoved, and runs `nix flake lock` so that `flake.lock` forgets it (skipped, with
 * the reason, when there is no lock file yet or another input would need the network). When
 * locking or recording fails, `flake.nix` and `flake.lock` are put back as they were.
 */
import { Effect, Option } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { Flake, FlakeLock } from "@cim-nix/domain"
import * as Nix from "../ports/Nix.js"
import * as Workspace from "../ports/Workspace.js"
import type { LockOutcome } from "./AddFlakeInput.js"
import * as CommandHandler from "./CommandHandler.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"

/** The request. */
export interface RemoveFlakeInput {
  readonly path: string
  readonly name: string
  readonly causality: EventEnvelope.Causality
}

/** What was removed and recorded; `lock.locked` lists the inputs still pinned after re-locking. */
export interface Removed {
  readonly path: string
  readonly name: string
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
  readonly lock: LockOutcome
}

/** Removes the input, then re-locks when that works offline. */
export const handle = (request: RemoveFlakeInput) =>
  Effect.gen(function* () {
    const { path, name } = request
    const workspace = yield* Workspace.Workspace
    const nix = yield* Nix.Nix
    let lock: LockOutcome = { skipped: "" }
    const removed = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: Flake.aggregateId(path),
      command: Flake.RemoveFlakeInput.make({ path, name }),
      causality: request.causality,
      perform: (_, state) =>
        FlakeDirectory.changeFiles(path, (lockBefore) =>
          Effect.gen(function* () {
            yield* workspace.editFlake(FlakeDirectory.nixFile(path), { _tag: "RemoveInput", name })
            const remaining = Object.fromEntries(
              Object.entries(Option.match(state, { onNone: () => ({}), onSome: (flake) => flake.inputs })).filter(([n]) => n !== name)
            )
            const reason = Option.isNone(lockBefore)
              ? Option.some("there is no flake.lock yet")
              : FlakeDirectory.unlockableReason(remaining, FlakeDirectory.lockedInputs(lockBefore))
            if (Option.isSome(reason)) {
              lock = { skipped: reason.value }
              return
            }
            const written = yield* nix.lockFlake(FlakeDirectory.ref(path))
            lock = { locked: [...FlakeLock.rootInputs(written).keys()] }
          })
        ).pipe(Effect.map(({ undo }) => ({ undo })))
    })
    return { path, name, events: removed.events, lock } satisfies Removed
  })
