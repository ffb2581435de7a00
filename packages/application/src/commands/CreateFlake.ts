/**
 * CreateFlake: writes `<path>/flake.nix` for a template (printed from `NixExpr`, atomically),
 * refusing an existing `flake.nix` unless forced, and records FlakeCreated. Then, when every
 * input can be fetched offline, `nix flake lock` pins the inputs (FlakeUpdated) and, when the
 * template needs no network, `nix flake check` runs (FlakeChecked): both caused by the creation.
 * A failed lock is reported in the outcome (the creation stays recorded) and the check skipped.
 * With `git`, the files are then staged in Git (`git init` first when the directory is not in a
 * work tree), so that Nix also sees them as a `git+file:` flake.
 * When FlakeCreated cannot be recorded, the old `flake.nix` is put back (or the new one removed).
 */
import { Effect, Option } from "effect"
import type { EventEnvelope, FlakeError } from "@cim-nix/domain"
import { Flake, IoError } from "@cim-nix/domain"
import * as FlakeTemplate from "../flakeTemplates/FlakeTemplate.js"
import * as Nix from "../ports/Nix.js"
import * as Workspace from "../ports/Workspace.js"
import type * as AddFlakeInput from "./AddFlakeInput.js"
import * as CheckFlake from "./CheckFlake.js"
import * as CommandHandler from "./CommandHandler.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"
import * as UpdateFlake from "./UpdateFlake.js"

/** The request. */
export interface CreateFlake {
  /** The absolute directory (created when missing). */
  readonly path: string
  readonly description: string
  readonly template: FlakeTemplate.TemplateName
  /** The user's inputs; they replace the template's inputs of the same name. */
  readonly inputs: ReadonlyArray<Flake.InputSpec>
  /** Replace an existing `flake.nix`. */
  readonly force: boolean
  /** Stage flake.nix (and flake.lock) in Git, initialising a repository when needed. */
  readonly git: boolean
  readonly causality: EventEnvelope.Causality
}

/** What was created and recorded; `check` and `lock` say what ran, or why not. */
export interface Created {
  readonly path: string
  readonly template: FlakeTemplate.TemplateName
  readonly file: string
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
  /** `failed` with Nix's message when `nix flake lock` failed (the creation stays recorded; `lockError` is the error). */
  readonly lock: AddFlakeInput.LockOutcome | { readonly failed: string }
  readonly lockError: Option.Option<FlakeError>
  readonly check: Flake.CheckResult | { readonly skipped: string }
  /** What `git` did, or null without `git`. */
  readonly git: { readonly initialised: boolean; readonly added: ReadonlyArray<string> } | null
}

const writeFlakeNix = (request: CreateFlake, text: string) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const file = FlakeDirectory.nixFile(request.path)
    const before = yield* FlakeDirectory.snapshot(file)
    if (Option.isSome(before) && !request.force) {
      return yield* new IoError({
        path: file,
        operation: "create",
        message: `${file} already exists`,
        hint: "Pass --force to replace it, or create the flake in another directory."
      })
    }
    yield* workspace.makeDirectory(request.path, { recursive: true })
    yield* workspace.writeFile(file, text, { overwrite: request.force })
    return { undo: FlakeDirectory.restore(workspace, file, before) }
  })

interface LockStep {
  readonly lock: Created["lock"]
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
  readonly error: Option.Option<FlakeError>
}

/** Stages flake.nix and, when there is one, flake.lock. */
const stage = (path: string) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const added = ["flake.nix", ...((yield* workspace.exists(FlakeDirectory.lockFile(path))) ? ["flake.lock"] : [])]
    const { initialised } = yield* workspace.gitAdd(path, added)
    return { initialised, added }
  })

/** Creates the flake, then locks and checks it where that works offline. */
export const handle = (request: CreateFlake) =>
  Effect.gen(function* () {
    const template = FlakeTemplate.templates[request.template]
    const inputs = FlakeTemplate.inputs(template, request.inputs)
    const created = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: Flake.aggregateId(request.path),
      command: Flake.CreateFlake.make({ path: request.path, description: request.description, inputs }),
      causality: request.causality,
      perform: () => Effect.flatMap(FlakeTemplate.render(template, request.description, inputs), (text) => writeFlakeNix(request, text))
    })
    const flake = Option.getOrThrow(created.state)
    const offline = FlakeDirectory.unlockableReason(flake.inputs, new Set())
    const names = Object.keys(flake.inputs).filter((name) => flake.inputs[name]!.follows === undefined)

    const locking = Option.isSome(offline) || names.length === 0
      ? Effect.succeed<LockStep>({ lock: { skipped: Option.getOrElse(offline, () => "the flake has no inputs to lock") }, events: [], error: Option.none() })
      : Effect.flatMap(Nix.Nix, (nix) => nix.lockFlake(FlakeDirectory.ref(request.path))).pipe(
          Effect.flatMap((lock) => UpdateFlake.record(request.path, lock, names, FlakeDirectory.after(created.events, request.causality))),
          Effect.map((u): LockStep => ({ lock: { locked: u.changes.map((c) => c.input) }, events: u.events, error: Option.none() })),
          Effect.catchTag("FlakeError", (error) => Effect.succeed<LockStep>({ lock: { failed: error.message }, events: [], error: Option.some(error) }))
        )
    const locked = yield* locking
    const afterLock = [...created.events, ...locked.events]

    const git = request.git ? yield* stage(request.path) : null

    const skipCheck = template.needsNetwork
      ? Option.some(`the ${request.template} template fetches nixpkgs from the network`)
      : Option.isSome(locked.error) ? Option.some("the inputs could not be locked") : offline
    const checked = Option.isNone(skipCheck)
      ? Option.some(yield* CheckFlake.run({ path: request.path, causality: FlakeDirectory.after(afterLock, request.causality) }))
      : Option.none()

    return {
      path: request.path,
      template: request.template,
      file: FlakeDirectory.nixFile(request.path),
      events: [...afterLock, ...Option.match(checked, { onNone: () => [], onSome: (c) => c.events })],
      lock: locked.lock,
      lockError: locked.error,
      check: Option.match(checked, {
        onSome: (c) => ({ passed: c.passed, failed: c.failed }),
        onNone: () => ({ skipped: Option.getOrElse(skipCheck, () => "") })
      }),
      git
    } satisfies Created
  })
