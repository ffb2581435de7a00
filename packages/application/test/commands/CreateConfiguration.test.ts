import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Configuration, Hostname, NixExpr } from "@cim-nix/domain"
import { CreateConfiguration } from "../../src/index.js"

const created = Configuration.ConfigurationCreated.make({
  flake: "/srv/fleet" as Configuration.Configuration["flake"],
  hostname: Hostname.Hostname.make("web-01"),
  system: "x86_64-linux",
  modules: ["./modules/web.nix", "inputs.sops.nixosModules.sops"],
  overlays: ["./overlays/local.nix"]
})

describe("CreateConfiguration", () => {
  it.effect("prints the nixosSystem form when the flake has a nixpkgs input", () =>
    Effect.gen(function* () {
      expect(yield* NixExpr.print(CreateConfiguration.hostExpr(created, true))).toBe(NIXOS_SYSTEM)
      expect(yield* NixExpr.print(CreateConfiguration.flakeExpr(Option.some("github:NixOS/nixpkgs/nixos-24.05")))).toBe(FLAKE)
    }))

  it.effect("prints a stand-in with a plain toplevel derivation without nixpkgs", () =>
    Effect.gen(function* () {
      const text = yield* NixExpr.print(CreateConfiguration.hostExpr(created, false))
      expect(text).toBe(STAND_IN)
    }))
})

const NIXOS_SYSTEM = `# NixOS configuration web-01, written by cim-nix.
inputs: inputs.nixpkgs.lib.nixosSystem {
  system = "x86_64-linux";
  modules = [
    ../modules/web.nix
    inputs.sops.nixosModules.sops
    { nixpkgs.overlays = [ (import ../overlays/local.nix) ]; }
  ];
  specialArgs = { inherit inputs; };
}`
const FLAKE = `# NixOS configurations, written by cim-nix: one file per host in ./nixos.
{
  description = "NixOS configurations";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
  outputs = inputs@{ self, ... }:
    {
      nixosConfigurations = builtins.listToAttrs
        (map
          (file: {
            name = builtins.substring 0 (builtins.stringLength file - 4) file;
            value = import (./nixos + "/\${file}") inputs;
          })
          (builtins.attrNames (builtins.readDir ./nixos)));
    };
}`
const STAND_IN = `# NixOS configuration web-01, written by cim-nix.
# A stand-in for nixpkgs.lib.nixosSystem (the flake has no nixpkgs input): it keeps the system, modules and
# overlays, and config.system.build.toplevel is a plain derivation whose bin/switch-to-configuration only
# reports the call (and appends its path and arguments to $CIM_NIX_ACTIVATION_LOG when set).
inputs: {
  system = "x86_64-linux";
  modules = [ ../modules/web.nix inputs.sops.nixosModules.sops ];
  overlays = [ (import ../overlays/local.nix) ];
  config.system.build.toplevel = derivation {
    name = "nixos-system-web-01";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [
      "-c"
      ''
        set -e
        export PATH=/usr/bin:/bin
        mkdir -p "$out/bin"
        cat > "$out/bin/switch-to-configuration" <<'EOF'
        #!/bin/sh
        # Stand-in activation: reports the call; appends its path and arguments to $CIM_NIX_ACTIVATION_LOG when set.
        echo "stand-in switch-to-configuration $*: nothing to activate"
        if [ -n "$CIM_NIX_ACTIVATION_LOG" ]; then echo "$0 $*" >> "$CIM_NIX_ACTIVATION_LOG"; fi
        EOF
        chmod +x "$out/bin/switch-to-configuration"
      ''
    ];
  };
}`
