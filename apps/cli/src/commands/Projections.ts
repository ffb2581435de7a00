/**
 * `cim-nix projections rebuild`: drops every read model and builds it again from the first
 * event (after a change of a projection, or when a read model was damaged). `--json` prints
 * `{ projections, position }`: the read models rebuilt and the last event position applied.
 */
import { Command } from "@effect/cli"
import { Effect } from "effect"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

/** What `projections rebuild` reports. */
export interface Rebuilt {
  readonly projections: ReadonlyArray<string>
  readonly position: number
}

const rebuild = Command.make("rebuild", GlobalOptions.all, (global) =>
  Effect.flatMap(Application.load, ({ ProjectionRunner, ReadModels }) =>
    ProjectionRunner.rebuild(ReadModels.config).pipe(
      Effect.map((position): Rebuilt => ({ projections: ReadModels.config.projections.map((p) => p.name), position }))
    )).pipe(
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
