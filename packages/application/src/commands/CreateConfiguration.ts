/**
 * CreateConfiguration: records a NixOS configuration and writes it into a flake made for
 * configurations: `flake.nix` takes `nixosConfigurations` from one file per host,
 * `nixos/<host>.nix` (a function of the flake's inputs), so that adding a host adds a file and
 * leaves `flake.nix` alone. The first configuration of a directory writes `flake.nix`, with a
 * `nixpkgs` input when one is given. A hand-written `flake.nix` gets the host file too, and
 * `nixosConfigurations.<host> = import ./nixos/<host>.nix inputs;` in its outputs, edited in
 * place (the rest of the file kept byte for byte); its `nixpkgs` input, if any, is used.
 *
 * With a `nixpkgs` input a host is `inputs.nixpkgs.lib.nixosSystem { system; modules;
 * specialArgs = { inherit inputs; }; }` (overlays through `nixpkgs.overlays`). Without one (no
 * nixpkgs offline) it is a STAND-IN that keeps `system`, `modules` and `overlays` and builds
 * `config.system.build.toplevel` as a plain derivation whose `bin/switch-to-configuration`
 * only reports the call and appends its path and arguments to `$CIM_NIX_ACTIVATION_LOG` when
 * set: enough to build, set profiles, activate and roll back with the real Nix tools.
 */
import { Effect, Option, Schema } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { Configuration, Flake, NixExpr, ValidationError } from "@cim-nix/domain"
import * as Workspace from "../ports/Workspace.js"
import * as CommandHandler from "./CommandHandler.js"
import { referenceExpr } from "./CreateModule.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"
import * as NixFile from "./NixFile.js"

/** The first line of a `flake.nix` written for configurations. */
export const marker = "NixOS configurations, written by cim-nix: one file per host in ./nixos."

const builtin = (name: string) => NixExpr.select(NixExpr.ident("builtins"), name)

/** The `flake.nix` of a configurations flake, with `inputs.nixpkgs.url` when `nixpkgs` is given. */
export const flakeExpr = (nixpkgs: Option.Option<string>): NixExpr.NixExpr => {
  const file = NixExpr.ident("file")
  const hostOf = NixExpr.attrs([
    NixExpr.bind("name", NixExpr.apply(builtin("substring"), NixExpr.int(0), NixExpr.binary(NixExpr.apply(builtin("stringLength"), file), "-", NixExpr.int(4)), file)),
    NixExpr.bind("value", NixExpr.apply(NixExpr.importExpr(NixExpr.binary(NixExpr.path("./nixos"), "+", NixExpr.string(["/", file]))), NixExpr.ident("inputs")))
  ])
  return NixExpr.commented(
    marker,
    NixExpr.attrs([
      NixExpr.bind("description", NixExpr.string("NixOS configurations")),
      ...Option.match(nixpkgs, { onNone: () => [], onSome: (url) => [NixExpr.bind(["inputs", "nixpkgs", "url"], NixExpr.string(url))] }),
      NixExpr.bind(
        "outputs",
        NixExpr.lambda(
          { formals: ["self"], ellipsis: true, bind: "inputs" },
          NixExpr.attrs([
            NixExpr.bind(
              "nixosConfigurations",
              NixExpr.apply(
                builtin("listToAttrs"),
                NixExpr.apply(NixExpr.ident("map"), NixExpr.lambda("file", hostOf), NixExpr.apply(builtin("attrNames"), NixExpr.apply(builtin("readDir"), NixExpr.path("./nixos"))))
              )
            )
          ])
        )
      )
    ])
  )
}

/** A reference as seen from `nixos/<host>.nix`: relative paths gain a `../`, names are selected from the inputs' scope. */
const fromHostFile = (reference: string): NixExpr.NixExpr =>
  reference.includes("/") && !reference.startsWith("/") ? NixExpr.path(`../${reference.replace(/^\.\//, "")}`) : referenceExpr(reference)

const overlayExpr = (reference: string): NixExpr.NixExpr =>
  reference.includes("/") ? NixExpr.importExpr(fromHostFile(reference)) : fromHostFile(reference)

/** The shell script of the stand-in's toplevel derivation: writes `$out/bin/switch-to-configuration`. */
const standInBuilder = [
  "set -e",
  "export PATH=/usr/bin:/bin",
  "mkdir -p \"$out/bin\"",
  "cat > \"$out/bin/switch-to-configuration\" <<'EOF'",
  "#!/bin/sh",
  "# Stand-in activation: reports the call; appends its path and arguments to $CIM_NIX_ACTIVATION_LOG when set.",
  "echo \"stand-in switch-to-configuration $*: nothing to activate\"",
  "if [ -n \"$CIM_NIX_ACTIVATION_LOG\" ]; then echo \"$0 $*\" >> \"$CIM_NIX_ACTIVATION_LOG\"; fi",
  "EOF",
  "chmod +x \"$out/bin/switch-to-configuration\"",
  ""
].join("\n")

/** The host file `nixos/<host>.nix`: `inputs: <nixosSystem call or stand-in>`. */
export const hostExpr = (configuration: Configuration.ConfigurationCreated, withNixpkgs: boolean): NixExpr.NixExpr => {
  const system = NixExpr.bind("system", NixExpr.string(configuration.system))
  const modules = configuration.modules.map(fromHostFile)
  const overlays = NixExpr.list(configuration.overlays.map(overlayExpr))
  const header = `NixOS configuration ${configuration.hostname}, written by cim-nix.`
  if (withNixpkgs) {
    return NixExpr.commented(
      header,
      NixExpr.lambda(
        "inputs",
        NixExpr.apply(
          NixExpr.select(NixExpr.ident("inputs"), ["nixpkgs", "lib", "nixosSystem"]),
          NixExpr.attrs([
            system,
            NixExpr.bind(
              "modules",
              NixExpr.list([...modules, ...(configuration.overlays.length === 0 ? [] : [NixExpr.attrs([NixExpr.bind(["nixpkgs", "overlays"], overlays)])])])
            ),
            NixExpr.bind("specialArgs", NixExpr.attrs([NixExpr.inherit(["inputs"])]))
          ])
        )
      )
    )
  }
  return NixExpr.commented(
    [
      header,
      "A stand-in for nixpkgs.lib.nixosSystem (the flake has no nixpkgs input): it keeps the system, modules and",
      "overlays, and config.system.build.toplevel is a plain derivation whose bin/switch-to-configuration only",
      "reports the call (and appends its path and arguments to $CIM_NIX_ACTIVATION_LOG when set)."
    ],
    NixExpr.lambda(
      "inputs",
      NixExpr.attrs([
        system,
        NixExpr.bind("modules", NixExpr.list(modules)),
        NixExpr.bind("overlays", overlays),
        NixExpr.bind(
          ["config", "system", "build", "toplevel"],
          NixExpr.apply(
            NixExpr.ident("derivation"),
            NixExpr.attrs([
              NixExpr.bind("name", NixExpr.string(`nixos-system-${configuration.hostname}`)),
              system,
              NixExpr.bind("builder", NixExpr.string("/bin/sh")),
              NixExpr.bind("args", NixExpr.list([NixExpr.string("-c"), NixExpr.string(standInBuilder)]))
            ])
          )
        )
      ])
    )
  )
}

/** The request: the configuration (`flake` is the absolute flake directory), a nixpkgs URL for a new flake, and `force` for an existing host file. */
export const Request = Schema.Struct({
  configuration: Configuration.CreateConfiguration,
  nixpkgs: Schema.optional(Schema.String),
  force: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type Request = typeof Request.Type

/** What the flake directory holds: a `flake.nix` written for configurations, or one written by hand; with or without a nixpkgs input. */
interface Existing {
  readonly nixpkgs: boolean
  readonly handWritten: boolean
}

/** What the flake directory holds now: no `flake.nix`, or one (see Existing). */
const inspect = (flake: string) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const flakeFile = FlakeDirectory.nixFile(flake)
    if (!(yield* workspace.exists(flakeFile))) return Option.none<Existing>()
    const text = yield* workspace.readFile(flakeFile)
    if (text.startsWith(`# ${marker}`)) return Option.some({ nixpkgs: /^\s*inputs\.nixpkgs\.url = /m.test(text), handWritten: false })
    const declared = yield* Effect.flatMap(FlakeDirectory.declaration(flake), (json) => Flake.fromDeclaration(flake, json))
    return Option.some({ nixpkgs: declared.inputs.some((input) => input.name === "nixpkgs"), handWritten: true })
  })

/**
 * Binds `nixosConfigurations.<host>` to the host file in a hand-written `flake.nix`, in place
 * (the Workspace's byte-preserving editor); the undo puts the file back.
 */
const bindHost = (flake: string, hostname: string) =>
  Effect.flatMap(Workspace.Workspace, (workspace) =>
    FlakeDirectory.changeFiles(flake, () =>
      workspace.editFlake(FlakeDirectory.nixFile(flake), { _tag: "AddOutputImport", attrPath: ["nixosConfigurations", hostname], file: `./nixos/${hostname}.nix` })
    )).pipe(Effect.map(({ undo }) => ({ path: FlakeDirectory.nixFile(flake), undo })))

/** What `handle` returns: the files written, the configuration and the stored events. */
export interface Created {
  readonly files: ReadonlyArray<string>
  readonly configuration: Configuration.Configuration
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

/** Records the configuration and writes `nixos/<host>.nix` (and `flake.nix` for a new flake); undone when the events cannot be recorded. */
export const handle = (request: Request, causality: EventEnvelope.Causality) =>
  Effect.gen(function* () {
    const flake = request.configuration.flake
    const files: Array<string> = []
    const outcome = yield* CommandHandler.execute({
      aggregate: Configuration.aggregate,
      aggregateId: Configuration.aggregateId(request.configuration),
      command: request.configuration,
      causality,
      perform: ([created]) =>
        Effect.gen(function* () {
          const event = created as Configuration.ConfigurationCreated
          const existing = yield* inspect(flake)
          if (Option.isSome(existing) && request.nixpkgs !== undefined && !existing.value.nixpkgs) {
            return yield* new ValidationError({
              field: "nixpkgs",
              message: `the flake at ${flake} exists without a nixpkgs input`,
              hint: "Leave out --nixpkgs to add a stand-in configuration, or use a new directory."
            })
          }
          const withNixpkgs = Option.match(existing, { onNone: () => request.nixpkgs !== undefined, onSome: (e) => e.nixpkgs })
          const hostText = yield* NixExpr.print(hostExpr(event, withNixpkgs))
          const hostFile = `${flake}/nixos/${event.hostname}.nix`
          if (Option.isSome(existing) && existing.value.handWritten) {
            // The edit first: a flake.nix that cannot take the host refuses it before anything is written.
            const bound = yield* bindHost(flake, event.hostname)
            const host = yield* Effect.tapError(NixFile.write(hostFile, hostText, request.force), () => bound.undo)
            files.push(host.path, bound.path)
            return { undo: Effect.zipRight(bound.undo, host.undo) }
          }
          const host = yield* NixFile.write(hostFile, hostText, request.force)
          files.push(host.path)
          if (Option.isSome(existing)) return host
          const flakeFile = yield* NixFile.write(`${flake}/flake.nix`, yield* NixExpr.print(flakeExpr(Option.fromNullable(request.nixpkgs))), false).pipe(
            Effect.tapError(() => host.undo)
          )
          files.push(flakeFile.path)
          return { undo: Effect.zipRight(flakeFile.undo, host.undo) }
        })
    })
    const created: Created = { files, configuration: Option.getOrThrow(outcome.state), events: outcome.events }
    return created
  })
