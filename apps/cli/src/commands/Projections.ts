/**
 * `cim-nix projections rebuild`: drops every read model and builds it again from the first
 * event (after a change of a projection, or when a read model was damaged), showing the events
 * applied so far on a terminal. `--json` prints `{ projections, position }`: the read models
 * rebuilt and the last event position applied.
 */
import { Command } from "@effect/cli"
import { Effect } from "effect"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Progress from "../Progress.js"
import * as Runtime from "../Runtime.js"

/** What `projections rebuild` reports. */
export interface Rebuilt {
  readonly projections: ReadonlyArray<string>
  readonly position: number
}

const rebuild = Command.make("rebuild", GlobalOptions.all, (global) =>
  Effect.gen(function* () {
    const { EventStore, ProjectionRunner, ReadModels } = yield* Application.load
    const total = yield* Effect.flatMap(EventStore.EventStore, (store) => store.currentPosition)
    const progress = Progress.line(!global.json)
    const started = Date.now()
    const position = yield* ProjectionRunner.rebuild(ReadModels.config, {
      onProgress: (reached) => progress.draw((columns) => Progress.renderRebuild(reached, Math.max(total, reached), Date.now() - started, columns))
    }).pipe(Effect.ensuring(progress.clear))
    return { projections: ReadModels.config.projections.map((p) => p.name), position } satisfies Rebuilt
  }).pipe(
    Effect.flatMap((rebuilt) =>
      Output.print(global.json, rebuilt, (r) => [`Rebuilt ${r.projections.join(", ")} up to event ${r.position}.`])
    ),
    Runtime.runCommand(global)
  )
).pipe(Command.withDescription("Drop the read models and rebuild them from the first event."))

/** The `projections` command group. */
export const command = Command.make("projections").pipe(
  Command.withDescription("Manage the read models built from the event log."),
  Command.withSubcommands([rebuild])
)
