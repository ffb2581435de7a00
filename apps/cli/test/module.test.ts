import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { cimNix, stateDir } from "./cli.js"
import { evalJson } from "./nix.js"
import { storedEvents } from "./store.js"

const env = { NIX_CONFIG: "substituters =" }

/** A stand-in for nixpkgs' `lib`: enough of `mkOption` and `lib.types` to import a module and read its option defaults. */
const stubLib = `{
  mkOption = attrs: attrs // { _type = "option"; };
  types = let t = name: { inherit name; }; in {
    str = t "str"; bool = t "bool"; int = t "int"; float = t "float"; path = t "path";
    package = t "package"; port = t "port"; attrs = t "attrs";
    listOf = e: t "listOf"; attrsOf = e: t "attrsOf"; nullOr = e: t "nullOr";
    enum = vs: t "enum"; either = a: b: t "either"; submodule = m: t "submodule";
  };
}`

/** The option defaults of the module at `file` (a nested set, like the options), with `pkgs.<name>` = "pkg:<name>". */
const defaults = (file: string) =>
  evalJson(`
      let
        lib = ${stubLib};
        pkgs = { hello = "pkg:hello"; };
        module = import ${file} { inherit lib pkgs; config = { }; };
        collect = set: if set._type or null == "option" then set.default or null else builtins.mapAttrs (_: collect) set;
      in collect module.options`)

describe("cim-nix module create", () => {
  it("writes a module that parses and whose defaults evaluate to the values given, and records ModuleCreated", async () => {
    const dir = stateDir()
    const file = join(dir, "modules", "web.nix")
    const run = await cimNix([
      "module", "create", file, "--name", "web", "--json",
      "--option", "services.web.port:port=8080",
      "--option", "services.web.ratio:float=1.5",
      "--option", "services.web.tags:listOf str=[\"a\",\"b\"]",
      "--option", "services.web.name:str=web-01",
      "--option", "services.web.mode:nullOr (enum [\"fast\" \"safe\"])=null",
      "--option", "services.web.package:package=hello",
      "--option", "services.web.enable:bool",
      "--import", "./hardware.nix"
    ], { ...env, XDG_STATE_HOME: dir })
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.file).toBe(file)
    expect(result.module.name).toBe("web")
    expect(result.module.options.map((o: { type: string }) => o.type)).toEqual(["port", "float", "listOf str", "str", "nullOr (enum [\"fast\" \"safe\"])", "package", "bool"])
    expect(result.module.imports).toEqual(["./hardware.nix"])

    execFileSync("nix-instantiate", ["--parse", file], { stdio: "pipe" })
    expect(defaults(file)).toEqual({
      services: { web: { port: 8080, ratio: 1.5, tags: ["a", "b"], name: "web-01", mode: null, package: "pkg:hello", enable: null } }
    })

    const events = await storedEvents(join(dir, "cim-nix", "events.sqlite"))
    expect(events.map((e) => [e.type, e.aggregateType, e.aggregateId, e.version])).toEqual([["ModuleCreated", "Module", "web", 1]])
    expect(events.map((e) => e.eventId)).toEqual(result.events)
    expect(events[0]!.correlationId).toBe(events[0]!.causationId)
    expect(events[0]!.payload).toMatchObject({ name: "web", imports: ["./hardware.nix"] })
  })

  it("refuses an existing file unless --force, and a second module of the same name; nothing is written or recorded", async () => {
    const dir = stateDir()
    const file = join(dir, "web.nix")
    const state = { ...env, XDG_STATE_HOME: dir }
    expect((await cimNix(["module", "create", file, "--name", "web"], state)).code).toBe(0)
    const first = readFileSync(file, "utf8")

    const exists = await cimNix(["module", "create", file, "--name", "other", "--json"], state)
    expect(exists.code).toBe(1)
    expect(exists.stdout).toBe("")
    expect(exists.stderr).toMatch(/already exists\n.*hint: Pass --force/)
    expect(readFileSync(file, "utf8")).toBe(first)

    const again = await cimNix(["module", "create", join(dir, "web2.nix"), "--name", "web"], state)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/module web already exists/)
    expect(existsSync(join(dir, "web2.nix"))).toBe(false)

    const forced = await cimNix(["module", "create", file, "--name", "other", "--force", "--option", "x:int=1"], state)
    expect(forced.code).toBe(0)
    expect(forced.stdout).toMatch(/created module other/)
    expect(readFileSync(file, "utf8")).toMatch(/options\.x = lib\.mkOption \{ type = lib\.types\.int; default = 1; \}/)
    const events = await storedEvents(join(dir, "cim-nix", "events.sqlite"))
    expect(events.map((e) => [e.type, e.aggregateId])).toEqual([["ModuleCreated", "web"], ["ModuleCreated", "other"]])
  })

  it("rejects a default that does not fit its type, an unknown type and a bad option spec with exit 1", async () => {
    const dir = stateDir()
    const state = { ...env, XDG_STATE_HOME: dir }
    const port = await cimNix(["module", "create", join(dir, "a.nix"), "--name", "a", "--option", "p:port=70000"], state)
    expect(port.code).toBe(1)
    expect(port.stderr).toMatch(/default of option p, 70000, does not fit its type port/)
    const type = await cimNix(["module", "create", join(dir, "a.nix"), "--name", "a", "--option", "p:strng"], state)
    expect(type.code).toBe(1)
    expect(type.stderr).toMatch(/unknown type "strng"/)
    const spec = await cimNix(["module", "create", join(dir, "a.nix"), "--name", "a", "--option", "p"], state)
    expect(spec.code).toBe(1)
    expect(spec.stderr).toMatch(/hint: Give an option as NAME:TYPE/)
    expect(existsSync(join(dir, "a.nix"))).toBe(false)
    expect(await storedEvents(join(dir, "cim-nix", "events.sqlite"))).toEqual([])
  })
})
