/**
 * `cim-nix overlay create <file> --name N [--add NAME=PATH]... [--override PKG.ATTR=VALUE]... [--force]`:
 * records an overlay and writes it as a `.nix` file. With `--json`: `{ file, overlay, events }`.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import * as Ids from "@cim-nix/application/Ids"
import { EventEnvelope, Overlay } from "@cim-nix/domain"
import * as Path from "node:path"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"
import { force } from "./Module.js"

const create = Command.make(
  "create",
  {
    ...GlobalOptions.all,
    file: Args.text({ name: "file" }).pipe(Args.withDescription("The .nix file to write.")),
    name: Options.text("name").pipe(Options.withDescription("The overlay's name (a Nix identifier).")),
    additions: Options.text("add").pipe(Options.repeated, Options.withDescription("A package to add: NAME=PATH (final.callPackage PATH { }).")),
    overrides: Options.text("override").pipe(
      Options.repeated,
      Options.withDescription("A derivation attribute to change: PKG.ATTR=VALUE (prev.PKG.overrideAttrs; VALUE is JSON, other text a string).")
    ),
    force
  },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const additions = yield* Effect.forEach(input.additions, App.CreateOverlay.parseAddition)
      const overrides = yield* App.CreateOverlay.parseOverrides(input.overrides)
      const created = yield* App.CreateOverlay.handle(
        {
          file: Path.resolve(input.file),
          force: input.force,
          overlay: Overlay.CreateOverlay.make({ name: input.name, additions, overrides, removals: [] })
        },
        EventEnvelope.root(yield* Ids.uuidv7)
      )
      const result = { file: created.file, overlay: created.overlay, events: created.events.map((e) => e.eventId) }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("created")} overlay ${Output.bold(r.overlay.name)} in ${r.file}`,
        `  ${r.overlay.additions.length} addition(s), ${r.overlay.overrides.length} override(s); event ${r.events.join(", ")}`
      ])
    }).pipe((effect) => Runtime.run(input, effect), Effect.mapError((e): unknown => e))
).pipe(Command.withDescription("Write an overlay (packages added with callPackage, attributes overridden) and record it."))

/** The `overlay` command group. */
export const command = Command.make("overlay").pipe(
  Command.withDescription("Overlays of package sets."),
  Command.withSubcommands([create])
)
