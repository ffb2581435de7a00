import { describe, expect, it } from "@effect/vitest"
import { type Context, Effect, Either, Layer, Schema } from "effect"
import type { Json } from "@cim-nix/domain"
import { EventEnvelope, Module } from "@cim-nix/domain"
import { CreateModule, type EventStore, type Workspace } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import { workspace } from "./flakeFakes.js"

const module = (fields: Partial<Module.Module>): Module.Module => ({ name: "web", options: [], imports: [], config: {}, ...fields })
const option = (name: string, type: string, value?: Json.Json) =>
  Effect.runSync(Module.aggregate.decide(Schema.decodeSync(Module.CreateModule)({ _tag: "CreateModule", name: "x", options: [{ name, type, ...(value === undefined ? {} : { default: value }) }] }), Module.aggregate.initial))[0]!.options[0]!

describe("CreateModule", () => {
  it.effect("prints options with lib.mkOption, typed defaults, imports and config", () =>
    Effect.gen(function* () {
      const text = yield* CreateModule.render(module({
        options: [
          option("services.web.port", "port", 8080),
          option("services.web.ratio", "float", 1),
          option("services.web.root", "path", "./www"),
          option("services.web.package", "package", "python3Packages.requests"),
          option("services.web.mode", "nullOr (enum [\"a\" \"b\"])", "a"),
          { ...option("services.web.users", "attrsOf (submodule { uid = int; })", { alice: { uid: 1 } }), description: "Users." }
        ],
        imports: ["./hardware.nix", "inputs.sops.nixosModules.sops"],
        config: { networking: { firewall: { enable: true } } }
      }))
      expect(text).toBe(TEXT)
    }))

  it.effect("reads NAME:TYPE[=DEFAULT], the default as JSON or else text", () =>
    Effect.gen(function* () {
      expect(yield* CreateModule.parseOptionSpec("a.port:port=8080")).toEqual({ name: "a.port", type: "port", default: 8080 })
      expect(yield* CreateModule.parseOptionSpec("name:str=web")).toEqual({ name: "name", type: "str", default: "web" })
      expect(yield* CreateModule.parseOptionSpec("tags:listOf str")).toEqual({ name: "tags", type: "listOf str" })
      expect(yield* CreateModule.parseOptionSpec("s:submodule { a = int; }={\"a\":1}")).toEqual({ name: "s", type: "submodule { a = int; }", default: { a: 1 } })
      const bad = yield* Effect.either(CreateModule.parseOptionSpec("noType"))
      expect(Either.isLeft(bad) && bad.left.hint).toMatch(/NAME:TYPE/)
    }))
})

const TEXT = `# NixOS module web, written by cim-nix.
{ config, lib, pkgs, inputs, ... }:
{
  imports = [ ./hardware.nix inputs.sops.nixosModules.sops ];
  options.services.web.port = lib.mkOption { type = lib.types.port; default = 8080; };
  options.services.web.ratio = lib.mkOption { type = lib.types.float; default = 1.0; };
  options.services.web.root = lib.mkOption { type = lib.types.path; default = ./www; };
  options.services.web.package = lib.mkOption {
    type = lib.types.package;
    default = pkgs.python3Packages.requests;
  };
  options.services.web.mode = lib.mkOption {
    type = lib.types.nullOr (lib.types.enum [ "a" "b" ]);
    default = "a";
  };
  options.services.web.users = lib.mkOption {
    type = lib.types.attrsOf
      (lib.types.submodule { options.uid = lib.mkOption { type = lib.types.int; }; });
    default = { alice = { uid = 1; }; };
    description = "Users.";
  };
  config = { networking.firewall.enable = true; };
}`

describe("CreateModule.handle", () => {
  const request = (name: string, file = "/work/web.nix") =>
    Schema.decodeSync(CreateModule.Request)({ file, module: { _tag: "CreateModule", name, options: [{ name: "port", type: "port", default: 80 }] } })

  it.effect("writes the file and records ModuleCreated with the causality given", () => {
    const files = new Map<string, string>()
    return Effect.gen(function* () {
      const created = yield* CreateModule.handle(request("web"), EventEnvelope.root("cmd-1"))
      expect(created.file).toBe("/work/web.nix")
      expect(files.get("/work/web.nix")).toMatch(/options\.port = lib\.mkOption \{ type = lib\.types\.port; default = 80; \};/)
      expect(created.events.map((e) => [e.type, e.version, e.correlationId, e.causationId])).toEqual([["ModuleCreated", 1, "cmd-1", "cmd-1"]])
    }).pipe(Effect.provide(Layer.merge(InMemoryEventStore.layer, workspace(files))))
  })

  it.effect("when another writer records the same module first, the file is removed and the conflict reported", () => {
    const files = new Map<string, string>()
    let raced = false
    let services: Context.Context<EventStore.EventStore | Workspace.Workspace> | undefined
    // The other writer creates module `web` while our file is being written.
    const race = (path: string) =>
      raced || path !== "/work/web.nix"
        ? Effect.void
        : Effect.suspend(() => {
          raced = true
          return CreateModule.handle(request("web", "/work/other.nix"), EventEnvelope.root("cmd-2")).pipe(Effect.provide(services!), Effect.orDie, Effect.asVoid)
        })
    return Effect.gen(function* () {
      services = yield* Effect.context<EventStore.EventStore | Workspace.Workspace>()
      const result = yield* Effect.either(CreateModule.handle(request("web"), EventEnvelope.root("cmd-1")))
      expect(Either.isLeft(result) && result.left._tag).toBe("ConcurrencyConflict")
      expect([...files.keys()]).toEqual(["/work/other.nix"])
    }).pipe(Effect.provide(Layer.merge(InMemoryEventStore.layer, workspace(files, (path) => race(path)))))
  })
})
