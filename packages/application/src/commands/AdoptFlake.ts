/**
 * AdoptFlake: records a flake cim-nix did not create (a hand-written `flake.nix`) so that the
 * other flake commands take it. Nix evaluates what its `flake.nix` declares (description,
 * inputs, the implicit inputs of `outputs`), recorded as FlakeAdopted; what its `flake.lock`
 * pins, when there is one, is recorded as FlakeUpdated in the same append. Nothing on disk
 * changes, and nothing is recorded when the files cannot be read.
 */
import { Effect, Option } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { Flake, FlakeError, FlakeLock } from "@cim-nix/domain"
import * as Workspace from "../ports/Workspace.js"
import * as CommandHandler from "./CommandHandler.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"
import * as UpdateFlake from "./UpdateFlake.js"

/** The request: the flake's directory. */
export interface AdoptFlake {
  readonly path: string
  readonly causality: EventEnvelope.Causality
}

/** What was recorded: the flake as declared, and the inputs whose locks were recorded. */
export interface Adopted {
  readonly path: string
  readonly description: string
  readonly inputs: ReadonlyArray<Flake.InputSpec>
  readonly locked: ReadonlyArray<string>
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

/** Reads the flake in `request.path` and records it. */
export const handle = (request: AdoptFlake) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const path = yield* workspace.resolve(request.path)
    const file = FlakeDirectory.nixFile(path)
    if (!(yield* workspace.exists(file))) {
      return yield* new FlakeError({ path, message: `there is no flake.nix in ${path}`, hint: "Adopt a directory that holds a flake.nix, or create a flake there (flake create)." })
    }
    const lock = yield* Option.match(yield* FlakeDirectory.snapshot(FlakeDirectory.lockFile(path)), {
      onNone: () => Effect.succeed(Option.none<FlakeLock.FlakeLock>()),
      onSome: (text) => Effect.map(FlakeLock.parse(text), Option.some)
    })
    const command = yield* Flake.fromDeclaration(path, yield* FlakeDirectory.declaration(path))
    const ownRefs = command.inputs.filter((input) => input.follows === undefined).map((input) => input.name)
    const locks = Option.match(lock, { onNone: () => ({}), onSome: (l) => UpdateFlake.locksOf(l, ownRefs) })
    const { events } = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: Flake.aggregateId(path),
      command: Flake.AdoptFlake.make({ ...command, locks }),
      causality: request.causality
    })
    return { path, description: command.description, inputs: command.inputs, locked: Object.keys(locks).sort(), events } satisfies Adopted
  })
