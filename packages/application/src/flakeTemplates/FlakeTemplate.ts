/**
 * The `flake.nix` templates `cim-nix flake create` writes, built as `NixExpr` values and printed
 * by the domain's printer (never pasted together as text): `minimal` (no outputs), `package`
 * (one derivation), `devshell` (a development shell), `nixos` (a `nixosConfigurations.nixos`
 * skeleton on nixpkgs) and `overlay-module` (an overlay and a NixOS module). Only `nixos` needs
 * the network (it fetches nixpkgs); the others evaluate and check offline: their derivations are
 * plain `derivation { builder = "/bin/sh"; ... }` for x86_64-linux.
 */
import { Effect, Schema } from "effect"
import type { Flake, ValidationError } from "@cim-nix/domain"
import { NixExpr } from "@cim-nix/domain"

/** The template names. */
export const TemplateName = Schema.Literal("minimal", "package", "devshell", "nixos", "overlay-module")
export type TemplateName = typeof TemplateName.Type

/** What a template contributes: its own inputs and the body of `outputs`. */
export interface Template {
  readonly inputs: ReadonlyArray<Flake.InputSpec>
  readonly outputs: NixExpr.NixExpr
  /** The comment written above `outputs`: what they are and how to use them. */
  readonly comment: string
  /** Whether evaluating the outputs needs the network (nixpkgs), so `nix flake check` cannot run offline. */
  readonly needsNetwork: boolean
}

/** `derivation { name; inherit system; builder = "/bin/sh"; args = [ "-c" script ]; }`. */
const shellDerivation = (name: string, script: string) =>
  NixExpr.apply(
    NixExpr.ident("derivation"),
    NixExpr.attrs([
      NixExpr.bind("name", NixExpr.string(name)),
      NixExpr.inherit(["system"]),
      NixExpr.bind("builder", NixExpr.string("/bin/sh")),
      NixExpr.bind("args", NixExpr.list([NixExpr.string("-c"), NixExpr.string(script)]))
    ])
  )

/** `let system = "x86_64-linux"; in { <output>.${system}.default = value; }`. */
const perSystem = (output: string, value: NixExpr.NixExpr) =>
  NixExpr.letIn(
    [NixExpr.bind("system", NixExpr.string("x86_64-linux"))],
    NixExpr.attrs([NixExpr.bind([output, NixExpr.ident("system"), "default"], value)])
  )

const helloScript = "/bin/mkdir -p $out/bin\nprintf '#!/bin/sh\\necho hello\\n' > $out/bin/hello\n/bin/chmod +x $out/bin/hello\n"

/** The templates by name. */
export const templates: { readonly [K in TemplateName]: Template } = {
  minimal: { inputs: [], outputs: NixExpr.attrs([]), comment: "Add outputs here: packages, devShells, nixosModules, ...", needsNetwork: false },
  package: {
    inputs: [],
    outputs: perSystem("packages", shellDerivation("hello", helloScript)),
    comment: "One package, built by /bin/sh (no nixpkgs needed): nix build .#default",
    needsNetwork: false
  },
  devshell: {
    inputs: [],
    outputs: perSystem("devShells", shellDerivation("shell", "echo ready > $out")),
    comment: "A development shell: nix develop",
    needsNetwork: false
  },
  nixos: {
    comment: "A NixOS configuration: nixos-rebuild switch --flake .#nixos",
    inputs: [{ name: "nixpkgs", ref: "github:NixOS/nixpkgs/nixos-unstable", overrides: {}, flake: true }],
    needsNetwork: true,
    outputs: NixExpr.attrs([
      NixExpr.bind(
        ["nixosConfigurations", "nixos"],
        NixExpr.apply(
          NixExpr.select(NixExpr.ident("nixpkgs"), ["lib", "nixosSystem"]),
          NixExpr.attrs([
            NixExpr.bind("system", NixExpr.string("x86_64-linux")),
            NixExpr.bind(
              "modules",
              NixExpr.list([
                NixExpr.attrs([
                  NixExpr.bind(["boot", "loader", "grub", "device"], NixExpr.string("nodev")),
                  NixExpr.bind(["fileSystems", "/", "device"], NixExpr.string("/dev/disk/by-label/nixos")),
                  NixExpr.bind(["system", "stateVersion"], NixExpr.string("24.05"))
                ])
              ])
            )
          ])
        )
      )
    ])
  },
  "overlay-module": {
    comment: "An overlay and a NixOS module for other flakes to use",
    inputs: [],
    needsNetwork: false,
    outputs: NixExpr.attrs([
      NixExpr.bind(["overlays", "default"], NixExpr.lambda("final", NixExpr.lambda("prev", NixExpr.attrs([])))),
      NixExpr.bind(["nixosModules", "default"], NixExpr.lambda({ formals: ["config", "lib"], ellipsis: true }, NixExpr.attrs([])))
    ])
  }
}

/**
 * The inputs of a new flake: the template's, then the user's (a user input replaces the
 * template's input of the same name).
 */
export const inputs = (template: Template, user: ReadonlyArray<Flake.InputSpec>): ReadonlyArray<Flake.InputSpec> => [
  ...template.inputs.filter((t) => !user.some((u) => u.name === t.name)),
  ...user
]

const inputBindings = (spec: Flake.InputSpec): ReadonlyArray<NixExpr.Binding> => [
  ...(spec.ref === undefined ? [] : [NixExpr.bind(["inputs", spec.name, "url"], NixExpr.string(spec.ref))]),
  ...(spec.follows === undefined ? [] : [NixExpr.bind(["inputs", spec.name, "follows"], NixExpr.string(spec.follows))]),
  ...Object.entries(spec.overrides).map(([sub, target]) => NixExpr.bind(["inputs", spec.name, "inputs", sub, "follows"], NixExpr.string(target))),
  ...(spec.flake ? [] : [NixExpr.bind(["inputs", spec.name, "flake"], NixExpr.bool(false))])
]

/** The text of `flake.nix` (with a trailing newline): description, inputs and the template's outputs. */
export const render = (
  template: Template,
  description: string,
  flakeInputs: ReadonlyArray<Flake.InputSpec>
): Effect.Effect<string, ValidationError> =>
  NixExpr.print(
    NixExpr.attrs([
      NixExpr.bind("description", NixExpr.string(description)),
      ...flakeInputs.flatMap(inputBindings),
      NixExpr.bind("outputs", NixExpr.lambda({ formals: ["self", ...flakeInputs.map((i) => i.name)] }, template.outputs), {
        comments: template.comment
      })
    ])
  ).pipe(Effect.map((text) => `${text}\n`))
