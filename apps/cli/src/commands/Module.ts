/**
 * `cim-nix module create <file> --name N [--option NAME:TYPE[=DEFAULT]]... [--import P]... [--force]`:
 * records a NixOS module and writes it as a `.nix` file. With `--json`: `{ file, module, events }`
 * (option types in the compact syntax, e.g. `"listOf str"`).
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect } from "effect"
import * as Ids from "@cim-nix/application/Ids"
import { EventEnvelope, Module, OptionType } from "@cim-nix/domain"
import * as Path from "node:path"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

/** `--force`: replace an existing file (shared by the commands that write a file). */
export const force = Options.boolean("force").pipe(Options.withDescription("Replace an existing file."))

const create = Command.make(
  "create",
  {
    ...GlobalOptions.all,
    file: Args.text({ name: "file" }).pipe(Args.withDescription("The .nix file to write.")),
    name: Options.text("name").pipe(Options.withDescription("The module's name (a Nix identifier).")),
    options: Options.text("option").pipe(
      Options.repeated,
      Options.withDescription("An option: NAME:TYPE or NAME:TYPE=DEFAULT (TYPE as in lib.types, e.g. \"listOf str\"; DEFAULT is JSON, other text a string).")
    ),
    imports: Options.text("import").pipe(Options.repeated, Options.withDescription("A module to import: a path (./hardware.nix) or a name (inputs.x.nixosModules.y).")),
    force
  },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const options = yield* Effect.forEach(input.options, App.CreateModule.parseOptionSpec)
      const created = yield* App.CreateModule.handle(
        {
          file: Path.resolve(input.file),
          force: input.force,
          module: Module.CreateModule.make({ name: input.name, options, imports: input.imports, config: {} })
        },
        EventEnvelope.root(yield* Ids.uuidv7)
      )
      const module = { ...created.module, options: created.module.options.map((o) => ({ ...o, type: OptionType.print(o.type) })) }
      const result = { file: created.file, module, events: created.events.map((e) => e.eventId) }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("created")} module ${Output.bold(r.module.name)} in ${r.file}`,
        `  ${r.module.options.length} option(s), ${r.module.imports.length} import(s); event ${r.events.join(", ")}`
      ])
    }).pipe((effect) => Runtime.run(input, effect), Effect.mapError((e): unknown => e))
).pipe(Command.withDescription("Write a NixOS module (options with types and defaults, imports) and record it."))

/** The `module` command group. */
export const command = Command.make("module").pipe(
  Command.withDescription("NixOS modules."),
  Command.withSubcommands([create])
)
