import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Module, OptionType } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const create = (fields: Partial<Omit<Module.CreateModule, "_tag">> = {}) =>
  Module.CreateModule.make({ name: "web", ...fields })

const decide = (command: Module.CreateModule) => accept(Module.aggregate, [], command)
const fail = (command: Module.CreateModule) => reject(Module.aggregate, [], command)

describe("Module", () => {
  it.effect("creates a module with parsed option types, imports and config, and folds into state", () =>
    Effect.gen(function* () {
      const command = create({
        options: [
          { name: "services.web.enable", type: "bool", default: false, description: "Run the web server." },
          { name: "services.web.port", type: "port", default: 8080, example: 443 },
          { name: "services.web.hosts", type: "attrsOf (listOf str)", default: { a: ["b"] } },
          { name: "services.web.mode", type: "nullOr (enum [\"fast\" \"safe\"])" }
        ],
        imports: ["./hardware.nix", "../common", "/etc/nixos/x.nix", "modules/web.nix", "inputs.sops-nix.nixosModules.sops", "hardware"],
        config: { networking: { firewall: { allowedTCPPorts: [8080] } } }
      })
      const events = yield* decide(command)
      const { atom, attrsOf, listOf, nullOr, enumOf } = OptionType
      const expected = {
        name: "web",
        options: [
          { name: "services.web.enable", type: atom("bool"), default: false, description: "Run the web server." },
          { name: "services.web.port", type: atom("port"), default: 8080, example: 443 },
          { name: "services.web.hosts", type: attrsOf(listOf(atom("str"))), default: { a: ["b"] } },
          { name: "services.web.mode", type: nullOr(enumOf(["fast", "safe"])) }
        ],
        imports: command.imports,
        config: command.config
      }
      expect(events).toEqual([{ _tag: "ModuleCreated", ...expected }])
      expect(Module.aggregate.fold(events)).toEqual(Option.some(expected))
      expect(Module.aggregateId("web")).toBe("web")
    }))

  it.effect("refuses to create a module twice", () =>
    Effect.gen(function* () {
      const events = yield* decide(create())
      expect(yield* reject(Module.aggregate, events, create())).toMatchObject({
        _tag: "ValidationError",
        field: "name",
        message: "module web already exists",
        hint: "Choose another name, or edit the existing module."
      })
    }))

  it.effect("rejects a module name that is not an identifier", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ name: "my module" }))).toMatchObject({
        _tag: "ValidationError",
        field: "name",
        message: "\"my module\" is not a valid module name",
        hint: "A module name is a Nix identifier: a letter or `_`, then letters, digits, `_`, `'` or `-`, and not a keyword (if, then, else, let, in, with, rec, inherit, assert, or)."
      })
    }))

  it.effect("rejects option names that are not dotted identifiers", () =>
    Effect.gen(function* () {
      for (const name of ["services..web", "1st", "services.if.enable", "", "a.b."]) {
        expect(yield* fail(create({ options: [{ name: "ok", type: "str" }, { name, type: "str" }] }))).toMatchObject({
          _tag: "ValidationError",
          field: "options[1].name",
          message: `${JSON.stringify(name)} is not a valid option name`,
          hint: "An option name is identifiers joined by dots, e.g. `services.nginx.enable`."
        })
      }
    }))

  it.effect("rejects an option declared twice", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ options: [{ name: "a.b", type: "str" }, { name: "a.b", type: "int" }] }))).toMatchObject({
        _tag: "ValidationError",
        field: "options.a.b",
        message: "option a.b is declared twice",
        hint: "Declare each option once."
      })
    }))

  it.effect("rejects an option that is a prefix of another, as the module system does", () =>
    Effect.gen(function* () {
      const error = yield* fail(create({ options: [{ name: "services.web.tls", type: "bool" }, { name: "services.web.tls.cert", type: "path" }] }))
      expect(error).toMatchObject({
        _tag: "ValidationError",
        field: "options.services.web.tls",
        message: "option services.web.tls is also a prefix of option services.web.tls.cert",
        hint: "An option cannot hold other options: rename one of them (e.g. use `enable` for a switch next to its settings)."
      })
      // a common textual prefix that is not a whole segment is fine
      yield* decide(create({ options: [{ name: "services.web", type: "bool" }, { name: "services.webhook", type: "bool" }] }))
    }))

  it.effect("reports an unparsable option type with the option's name", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ options: [{ name: "a", type: "listOf listOf str" }] }))).toMatchObject({
        _tag: "ParseError",
        kind: "OptionType",
        input: "listOf listOf str",
        position: 7,
        message: "option a: \"listOf\" takes arguments: put it in parentheses when it is an argument"
      })
    }))

  it.effect("rejects a default that does not fit its type, naming option, type and value", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ options: [{ name: "services.web.port", type: "port", default: 70000 }] }))).toMatchObject({
        _tag: "ValidationError",
        field: "options.services.web.port.default",
        message: "the default of option services.web.port, 70000, does not fit its type port: 70000 is not a port (an integer from 0 to 65535)",
        hint: "Give a default that the type accepts, or change the option's type."
      })
      expect(yield* fail(create({ options: [{ name: "ports", type: "listOf port", default: [80, "443"] }] }))).toMatchObject({
        field: "options.ports.default",
        message: "the default of option ports, [80,\"443\"], does not fit its type listOf port: at [1]: \"443\" is not a port (an integer from 0 to 65535)"
      })
    }))

  it.effect("rejects imports that are neither paths nor module names", () =>
    Effect.gen(function* () {
      for (const entry of ["./my module.nix", "./dir/", "<nixpkgs/nixos>", "../a//b", "services..web", "/", ""]) {
        expect(yield* fail(create({ imports: ["./ok.nix", entry] }))).toMatchObject({
          _tag: "ValidationError",
          field: "imports[1]",
          message: `${JSON.stringify(entry)} is neither a path nor a module name`,
          hint: "Refer to a module by a path literal such as `./hardware.nix`, `../common` or `/etc/nixos/x.nix` (characters `A-Za-z0-9._+-`, at least one slash, no empty segment, no trailing slash), or by name: identifiers joined by dots, e.g. `inputs.sops-nix.nixosModules.sops`."
        })
      }
    }))
})
