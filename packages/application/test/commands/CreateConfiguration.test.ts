import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Either, Layer, Option } from "effect"
import { CommandError, Configuration, EventEnvelope, Hostname, NixExpr } from "@cim-nix/domain"
import { CreateConfiguration, EventStore, Nix, type Workspace } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import { workspace } from "./flakeFakes.js"

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

describe("CreateConfiguration.handle", () => {
  /** A Nix that evaluates a hand-written flake.nix to `declared` (or fails with `failure`). */
  const declaring = (declared: unknown, failure?: CommandError) =>
    Layer.succeed(Nix.Nix, Nix.Nix.of({ eval: () => (failure === undefined ? Effect.succeed(declared as never) : Effect.fail(failure)) } as Partial<Nix.NixService> as Nix.NixService))

  /** A Nix for a directory cim-nix writes itself: never asked anything. */
  const unused = declaring(null, new CommandError({ command: ["nix"], message: "nix was not expected to run", hint: "" }))

  const request = (hostname: string, flake = "/srv/fleet") => ({
    configuration: Configuration.CreateConfiguration.make({ flake, hostname, system: "x86_64-linux", modules: [], overlays: [] }),
    force: false
  })

  it.effect("writes nixos/<host>.nix and flake.nix for a new flake, only the host file for the next host", () => {
    const files = new Map<string, string>()
    return Effect.gen(function* () {
      const first = yield* CreateConfiguration.handle(request("web-01"), EventEnvelope.root("cmd-1"))
      expect(first.files).toEqual(["/srv/fleet/nixos/web-01.nix", "/srv/fleet/flake.nix"])
      expect(first.events.map((e) => [e.type, e.aggregateId, e.version])).toEqual([["ConfigurationCreated", "/srv/fleet#nixosConfigurations.web-01", 1]])
      const second = yield* CreateConfiguration.handle(request("db"), EventEnvelope.root("cmd-2"))
      expect(second.files).toEqual(["/srv/fleet/nixos/db.nix"])
      expect(files.get("/srv/fleet/flake.nix")!.startsWith(`# ${CreateConfiguration.marker}`)).toBe(true)
    }).pipe(Effect.provide(Layer.mergeAll(InMemoryEventStore.layer, workspace(files), unused)))
  })

  it.effect("when another writer records the same configuration first, both files are removed and the conflict reported", () => {
    const files = new Map<string, string>()
    let raced = false
    let services: Context.Context<EventStore.EventStore | Workspace.Workspace> | undefined
    // The other writer records the same configuration (its files go elsewhere) while ours are written.
    const race = (path: string) =>
      raced || path !== "/srv/fleet/flake.nix"
        ? Effect.void
        : Effect.suspend(() => {
          raced = true
          return CreateConfiguration.handle(request("web-01", "/srv/fleet"), EventEnvelope.root("cmd-2")).pipe(
            Effect.provide(Layer.succeed(EventStore.EventStore, Context.get(services!, EventStore.EventStore))),
            Effect.provide(Layer.merge(workspace(new Map()), unused)),
            Effect.orDie,
            Effect.asVoid
          )
        })
    return Effect.gen(function* () {
      services = yield* Effect.context<EventStore.EventStore | Workspace.Workspace>()
      const result = yield* Effect.either(CreateConfiguration.handle(request("web-01"), EventEnvelope.root("cmd-1")))
      expect(Either.isLeft(result) && result.left._tag).toBe("ConcurrencyConflict")
      expect([...files.keys()]).toEqual([])
    }).pipe(Effect.provide(Layer.mergeAll(InMemoryEventStore.layer, workspace(files, race), unused)))
  })

  it.effect("adds the host to a hand-written flake.nix by editing its outputs in place, and uses its nixpkgs input", () => {
    const files = new Map([["/srv/fleet/flake.nix", "{ outputs = { self, nixpkgs }: { }; }\n"]])
    return Effect.gen(function* () {
      const created = yield* CreateConfiguration.handle(request("web-01"), EventEnvelope.root("cmd-1"))
      expect(created.files).toEqual(["/srv/fleet/nixos/web-01.nix", "/srv/fleet/flake.nix"])
      expect(files.get("/srv/fleet/nixos/web-01.nix")).toContain("inputs.nixpkgs.lib.nixosSystem")
      // the fake editor appends the edit it was asked for
      expect(files.get("/srv/fleet/flake.nix")).toBe(
        `{ outputs = { self, nixpkgs }: { }; }\n# ${JSON.stringify({ _tag: "AddOutputImport", attrPath: ["nixosConfigurations", "web-01"], file: "./nixos/web-01.nix" })}\n`
      )
      expect(created.events.map((e) => e.type)).toEqual(["ConfigurationCreated"])
    }).pipe(Effect.provide(Layer.mergeAll(InMemoryEventStore.layer, workspace(files), declaring({ description: "", inputs: {}, implicit: ["nixpkgs"] }))))
  })

  it.effect("refuses --nixpkgs for a hand-written flake without it, and a flake.nix Nix cannot read, before writing anything", () => {
    const text = "{ outputs = { self }: { }; }\n"
    const files = new Map([["/srv/fleet/flake.nix", text]])
    const stream = { aggregateType: "Configuration", aggregateId: "/srv/fleet#nixosConfigurations.web-01" }
    return Effect.gen(function* () {
      const withNixpkgs = yield* Effect.either(CreateConfiguration.handle({ ...request("web-01"), nixpkgs: "github:NixOS/nixpkgs" }, EventEnvelope.root("cmd-1")).pipe(
        Effect.provide(declaring({ description: "", inputs: {}, implicit: [] }))
      ))
      expect(Either.isLeft(withNixpkgs) && withNixpkgs.left).toMatchObject({ _tag: "ValidationError", field: "nixpkgs" })
      const failure = new CommandError({ command: ["nix", "eval"], exitCode: 1, message: "syntax error", hint: "" })
      const unreadable = yield* Effect.either(CreateConfiguration.handle(request("web-01"), EventEnvelope.root("cmd-2")).pipe(Effect.provide(declaring(null, failure))))
      expect(Either.isLeft(unreadable) && unreadable.left).toBe(failure)
      expect([...files.entries()]).toEqual([["/srv/fleet/flake.nix", text]])
      expect(yield* (yield* EventStore.EventStore).readStream(stream)).toEqual([])
    }).pipe(Effect.provide(Layer.merge(InMemoryEventStore.layer, workspace(files))))
  })
})
