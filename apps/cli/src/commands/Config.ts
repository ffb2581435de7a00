/**
 * `cim-nix config ...`: NixOS configurations.
 * - `create <dir> --host H [--system S] [--module P]... [--overlay P]... [--nixpkgs URL] [--force]`
 *   writes `nixos/<host>.nix` (and, for a new flake, `flake.nix`) and records ConfigurationCreated.
 *   With `--json`: `{ files, configuration, events }`.
 * - `activate <dir> --host H [--mode switch|boot|test|dry-activate] [--profile P]` builds the
 *   toplevel, sets the profile (switch/boot), runs `switch-to-configuration <mode>` (not for
 *   dry-activate) and records ConfigurationActivated. With `--json`:
 *   `{ storePath, mode, profile, generation, profileGeneration, activated, output, events }`.
 * - `rollback --host H [--dir D] [--profile P] [--to N]` switches the profile back and runs that
 *   system's activation; records ConfigurationRolledBack. With `--json`:
 *   `{ from, to, storePath, profile, profileGeneration, output, events }`.
 * - `generations [--profile P]` lists the profile's generations (Nix's own). With `--json`:
 *   `{ profile, generations: [{ number, createdAt, current, storePath }] }`.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import type { Nix } from "@cim-nix/application"
import * as Ids from "@cim-nix/application/Ids"
import { Configuration, EventEnvelope, StorePath } from "@cim-nix/domain"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"
import { force } from "./Module.js"

const dir = Args.directory({ name: "dir", exists: "either" }).pipe(Args.withDescription("The flake directory."))
const host = Options.text("host").pipe(Options.withDescription("The host name (nixosConfigurations.<host>)."))

const create = Command.make(
  "create",
  {
    ...GlobalOptions.all,
    dir,
    host,
    system: Options.text("system").pipe(Options.withDefault("x86_64-linux"), Options.withDescription("The Nix system type.")),
    modules: Options.text("module").pipe(Options.repeated, Options.withDescription("A module: a path relative to the flake (./modules/web.nix) or a name (inputs.x.nixosModules.y).")),
    overlays: Options.text("overlay").pipe(Options.repeated, Options.withDescription("An overlay: a path relative to the flake or a name (inputs.x.overlays.default).")),
    nixpkgs: Options.text("nixpkgs").pipe(
      Options.optional,
      Options.withDescription("For a new flake: the nixpkgs flake reference; the host is then nixpkgs.lib.nixosSystem (without it: an offline stand-in).")
    ),
    force
  },
  (input) =>
    Effect.gen(function* () {
      const created = yield* (yield* Application.load).CreateConfiguration.handle(
        {
          configuration: Configuration.CreateConfiguration.make({
            flake: Path.resolve(input.dir),
            hostname: input.host,
            system: input.system,
            modules: input.modules,
            overlays: input.overlays
          }),
          ...Option.match(input.nixpkgs, { onNone: () => ({}), onSome: (nixpkgs) => ({ nixpkgs }) }),
          force: input.force
        },
        EventEnvelope.root(yield* Ids.uuidv7)
      )
      const result = { files: created.files, configuration: created.configuration, events: created.events.map((e) => e.eventId) }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("created")} configuration ${Output.bold(r.configuration.hostname)} (${r.configuration.system}) in ${r.configuration.flake}`,
        ...r.files.map((file) => `  wrote ${file}`),
        `  event ${r.events.join(", ")}`
      ])
    }).pipe((effect) => Runtime.run(input, effect), Effect.mapError((e): unknown => e))
).pipe(Command.withDescription("Add nixosConfigurations.<host> to a flake (a new one, one made for configurations, or a hand-written one edited in place) and record it."))

const profile = Options.text("profile").pipe(
  Options.withDefault(Configuration.defaultProfile),
  Options.withDescription("The system profile to set (default /nix/var/nix/profiles/system).")
)

const scriptLines = (output: Nix.Activated | null) => (output === null ? [] : output.stdout.trimEnd().split("\n").filter((l) => l !== "").map((l) => `  ${Output.dim(l)}`))

const activate = Command.make(
  "activate",
  {
    ...GlobalOptions.all,
    dir,
    host,
    mode: Options.choice("mode", Configuration.ActivationMode.literals).pipe(Options.withDefault("switch" as const), Options.withDescription("How to activate, as nixos-rebuild.")),
    profile
  },
  (input) =>
    Effect.gen(function* () {
      const activated = yield* (yield* Application.load).ActivateConfiguration.handle(
        { flake: Path.resolve(input.dir), hostname: input.host, mode: input.mode, profile: Path.resolve(input.profile) },
        EventEnvelope.root(yield* Ids.uuidv7)
      )
      const result = { ...activated, events: activated.events.map((e) => e.eventId) }
      yield* Output.print(input.json, result, (r) => [
        r.activated
          ? `${Output.green("activated")} ${input.host} (${r.mode}) ${r.storePath}`
          : `${Output.green("built")} ${input.host} ${r.storePath}; dry-activate: switch-to-configuration was not run`,
        ...(r.profileGeneration === null ? [] : [`  profile ${r.profile} is at generation ${r.profileGeneration} (configuration generation ${r.generation})`]),
        ...scriptLines(r.output),
        `  event ${r.events.join(", ")}`
      ])
    }).pipe((effect) => Runtime.run(input, effect), Effect.mapError((e): unknown => e))
).pipe(Command.withDescription("Build a configuration, set the profile to it and run its switch-to-configuration; record the activation."))

const rollback = Command.make(
  "rollback",
  {
    ...GlobalOptions.all,
    dir: Options.directory("dir").pipe(Options.withDefault("."), Options.withDescription("The flake directory (default: the current one).")),
    host,
    profile,
    to: Options.integer("to").pipe(Options.optional, Options.withDescription("The configuration generation to go back to (default: the one before the current)."))
  },
  (input) =>
    Effect.gen(function* () {
      const rolledBack = yield* (yield* Application.load).RollbackConfiguration.handle(
        {
          flake: Path.resolve(input.dir),
          hostname: input.host,
          profile: Path.resolve(input.profile),
          ...Option.match(input.to, { onNone: () => ({}), onSome: (to) => ({ to }) })
        },
        EventEnvelope.root(yield* Ids.uuidv7)
      )
      const result = { ...rolledBack, events: rolledBack.events.map((e) => e.eventId) }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("rolled back")} ${input.host} from generation ${r.from} to ${r.to} ${r.storePath}`,
        `  profile ${r.profile} is at generation ${r.profileGeneration}`,
        ...scriptLines(r.output),
        `  event ${r.events.join(", ")}`
      ])
    }).pipe((effect) => Runtime.run(input, effect), Effect.mapError((e): unknown => e))
).pipe(Command.withDescription("Switch the profile back to an earlier generation of a configuration and activate it; record the rollback."))

const generations = Command.make("generations", { ...GlobalOptions.all, profile }, (input) =>
  Effect.gen(function* () {
    const nix = yield* (yield* Application.load).Nix.Nix
    const profile = Path.resolve(input.profile)
    // A profile whose directory does not exist has no generations (nix-env would fail on its lock file).
    const listed = Fs.existsSync(Path.dirname(profile)) ? yield* nix.listGenerations(profile) : []
    const result = {
      profile,
      generations: listed.map((g) => ({ number: g.number, createdAt: new Date(g.createdAt).toISOString(), current: g.current, storePath: StorePath.format(g.storePath) }))
    }
    yield* Output.print(input.json, result, (r) =>
      Output.table(["generation", "created", "current", "system"], r.generations.map((g) => [String(g.number), g.createdAt, g.current ? "*" : "", g.storePath]))
    )
  }).pipe(Effect.provide(Runtime.nixLayer(input)), Effect.mapError((e): unknown => e))
).pipe(Command.withDescription("List the generations of a system profile."))

/** The `config` command group. */
export const command = Command.make("config").pipe(
  Command.withDescription("NixOS configurations: create, activate, roll back, list generations."),
  Command.withSubcommands([create, activate, rollback, generations])
)
