import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { cimNix, stateDir } from "./cli.js"
import { evalJson } from "./nix.js"
import { storedEvents } from "./store.js"

const env = { NIX_CONFIG: "substituters =" }

/** Applies the overlay at `file` to a stub package set and returns what it defines. */
const applied = (file: string) =>
  evalJson(`
      let
        pkg = name: { inherit name; overrideAttrs = f: { inherit name; changed = f { }; }; };
        prev = { hello = pkg "hello"; curl = pkg "curl"; };
        final = prev // { callPackage = path: args: { called = baseNameOf (toString path); inherit args; }; };
      in import ${file} final prev`)

describe("cim-nix overlay create", () => {
  it("writes an overlay that parses and applies, and records OverlayCreated", async () => {
    const dir = stateDir()
    const file = join(dir, "overlays", "local.nix")
    const run = await cimNix([
      "overlay", "create", file, "--name", "local", "--json",
      "--add", "hello2=./pkgs/hello.nix",
      "--override", "hello.doCheck=false",
      "--override", "hello.version=2.12",
      "--override", "curl.pname=curl-mini"
    ], { ...env, XDG_STATE_HOME: dir })
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({
      file,
      overlay: {
        name: "local",
        additions: [{ name: "hello2", path: "./pkgs/hello.nix", args: {} }],
        overrides: [
          { name: "hello", kind: "overrideAttrs", changes: { doCheck: false, version: 2.12 } },
          { name: "curl", kind: "overrideAttrs", changes: { pname: "curl-mini" } }
        ],
        removals: []
      }
    })
    execFileSync("nix-instantiate", ["--parse", file], { stdio: "pipe" })
    expect(applied(file)).toEqual({
      hello2: { called: "hello.nix", args: {} },
      hello: { name: "hello", changed: { doCheck: false, version: 2.12 } },
      curl: { name: "curl", changed: { pname: "curl-mini" } }
    })
    const events = await storedEvents(join(dir, "cim-nix", "events.sqlite"))
    expect(events.map((e) => [e.type, e.aggregateType, e.aggregateId, e.version, e.eventId])).toEqual([["OverlayCreated", "Overlay", "local", 1, result.events[0]]])
    expect(events[0]!.correlationId).toBe(events[0]!.causationId)
  })

  it("rejects a package both added and overridden, a path that is not one, and a malformed --override; nothing is written", async () => {
    const dir = stateDir()
    const state = { ...env, XDG_STATE_HOME: dir }
    const file = join(dir, "o.nix")
    const both = await cimNix(["overlay", "create", file, "--name", "o", "--add", "hello=./h.nix", "--override", "hello.x=1"], state)
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/package hello is both added and overridden/)
    const path = await cimNix(["overlay", "create", file, "--name", "o", "--add", "hello=h nix"], state)
    expect(path.code).toBe(1)
    expect(path.stderr).toMatch(/is not a path to call hello from/)
    const malformed = await cimNix(["overlay", "create", file, "--name", "o", "--override", "hello=1"], state)
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toMatch(/hint: Write PKG.ATTR=VALUE/)
    expect(existsSync(file)).toBe(false)
    expect(await storedEvents(join(dir, "cim-nix", "events.sqlite"))).toEqual([])
  })
})
