/**
 * The `cim-nix` command tree. Each subcommand lives in `commands/`, named as users type it.
 */
import { type CliApp, Command } from "@effect/cli"
import * as Build from "./commands/Build.js"
import * as Config from "./commands/Config.js"
import * as Demo from "./commands/Demo.js"
import * as Derivation from "./commands/Derivation.js"
import * as Doctor from "./commands/Doctor.js"
import * as Eval from "./commands/Eval.js"
import * as Events from "./commands/Events.js"
import * as Flake from "./commands/Flake.js"
import * as Gc from "./commands/Gc.js"
import * as Module from "./commands/Module.js"
import * as Overlay from "./commands/Overlay.js"
import * as Projections from "./commands/Projections.js"
import * as Ref from "./commands/Ref.js"
import * as Search from "./commands/Search.js"

/** Runs a command line through the root command (the demo runs its steps with it). */
const runArgs: Demo.RunArgs<CliApp.CliApp.Environment> = (args) => run(args)

/** The root command. */
export const root = Command.make("cim-nix").pipe(
  Command.withDescription("Nix flakes, packages, modules, overlays and configurations, with a memory: every change is recorded as an event."),
  Command.withSubcommands([
    Doctor.command,
    Demo.make(runArgs),
    Build.command,
    Eval.command,
    Gc.command,
    Derivation.command,
    Search.command,
    Events.command,
    Projections.command,
    Module.command,
    Overlay.command,
    Config.command,
    Flake.command,
    Ref.command
  ])
)

/** The version of package.json, written into the bundle by build.mjs. */
declare const CIM_NIX_VERSION: string

/** Runs the command line (argv as given by Node: the first two entries are skipped). */
export const run = Command.run(root, { name: "cim-nix", version: CIM_NIX_VERSION })
