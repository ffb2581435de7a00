import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix } from "./cli.js"
import { storedEvents } from "./store.js"
import { testEnv } from "./testFlake.js"

/** A hand-written flake in `root/app` with a flake input `lib` and a source input `src`, locked by Nix itself. */
const handWritten = (root: string) => {
  const lib = join(root, "lib")
  const app = join(root, "app")
  mkdirSync(lib)
  mkdirSync(app)
  writeFileSync(join(lib, "flake.nix"), "{ outputs = { self }: { x = 1; }; }\n")
  writeFileSync(join(lib, "data.txt"), "data\n")
  writeFileSync(
    join(app, "flake.nix"),
    [
      "{",
      "  # written by hand: cim-nix must keep this comment",
      `  description = "hand written";`,
      `  inputs.lib.url = "path:${lib}";`,
      `  inputs.src = { url = "path:${lib}"; flake = false; };`,
      "  outputs = { self, lib, src }: { value = lib.x; };",
      "}",
      ""
    ].join("\n")
  )
  execFileSync("nix", ["--extra-experimental-features", "nix-command flakes", "flake", "lock", `path:${app}`], { env: { ...process.env, NIX_CONFIG: "substituters =" }, stdio: "ignore" })
  return { lib, app }
}

const scratch = () => {
  const root = mkdtempSync(join(tmpdir(), "cim-nix-adopt-"))
  return { root, env: testEnv(join(root, "state")), events: () => storedEvents(join(root, "state", "cim-nix", "events.sqlite")) }
}

describe("cim-nix flake adopt", () => {
  it("records a hand-written flake and its locks without touching a file; the other flake commands then take it", async () => {
    const { root, env, events } = scratch()
    const { lib, app } = handWritten(root)
    const before = { nix: readFileSync(join(app, "flake.nix"), "utf8"), lock: readFileSync(join(app, "flake.lock"), "utf8") }

    const run = await cimNix(["flake", "adopt", app, "--json"], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const adopted = JSON.parse(run.stdout)
    expect(adopted).toMatchObject({
      path: app,
      description: "hand written",
      inputs: [{ name: "lib", ref: `path:${lib}`, flake: true }, { name: "src", ref: `path:${lib}`, flake: false }],
      locked: ["lib", "src"]
    })
    expect(readFileSync(join(app, "flake.nix"), "utf8")).toBe(before.nix)
    expect(readFileSync(join(app, "flake.lock"), "utf8")).toBe(before.lock)
    const recorded = await events()
    expect(recorded.map((e) => [e.type, e.version, e.aggregateId])).toEqual([["FlakeAdopted", 1, app], ["FlakeUpdated", 2, app]])
    expect(recorded.map((e) => e.eventId)).toEqual(adopted.events)
    expect(new Set(recorded.map((e) => e.correlationId)).size).toBe(1)
    const lockNodes = JSON.parse(before.lock).nodes
    expect((recorded[1]!.payload as { changes: Array<{ input: string; after: { narHash: string } }> }).changes.map((c) => [c.input, c.after.narHash])).toEqual([
      ["lib", lockNodes.lib.locked.narHash],
      ["src", lockNodes.src.locked.narHash]
    ])

    const added = await cimNix(["flake", "add-input", app, "extra", `path:${lib}`, "--json"], env)
    expect(added.stderr).toBe("")
    expect(added.code).toBe(0)
    expect(readFileSync(join(app, "flake.nix"), "utf8")).toContain("# written by hand: cim-nix must keep this comment")
    expect((await events()).slice(2).map((e) => [e.type, e.version])).toEqual([["FlakeInputAdded", 3], ["FlakeUpdated", 4]])

    const shown = await cimNix(["flake", "show", app, "--json"], env)
    expect(JSON.parse(shown.stdout).known).toMatchObject({ description: "hand written", inputs: { lib: {}, src: {}, extra: {} } })
  })

  it("refuses a flake already recorded, a directory without flake.nix, and a flake.nix Nix cannot read; nothing is recorded", async () => {
    const { root, env, events } = scratch()
    const { app } = handWritten(root)
    expect((await cimNix(["flake", "adopt", app], env)).code).toBe(0)
    const again = await cimNix(["flake", "adopt", app], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`a flake already exists at ${app}`)

    const empty = join(root, "empty")
    mkdirSync(empty)
    const none = await cimNix(["flake", "adopt", empty], env)
    expect(none.code).toBe(1)
    expect(none.stderr).toContain(`there is no flake.nix in ${empty}`)
    expect(none.stdout).toBe("")

    const broken = join(root, "broken")
    mkdirSync(broken)
    writeFileSync(join(broken, "flake.nix"), "{ inputs.a.url = ; }\n")
    // A syntax error Nix reports is the domain's ParseError (adapter-nix-cli): invalid input, exit 1, naming the place.
    const unreadable = await cimNix(["flake", "adopt", broken], env)
    expect(unreadable.code).toBe(1)
    expect(unreadable.stderr).toMatch(/syntax error.*flake\.nix:1:18/)
    expect(unreadable.stderr).toMatch(/hint: Fix the Nix code at line 1, column 18 of .*flake\.nix/)

    const computed = join(root, "computed")
    mkdirSync(computed)
    writeFileSync(join(computed, "flake.nix"), `{ inputs.a = { url = "path:/x"; inputs.b.url = "path:/y"; }; outputs = { self, a }: { }; }\n`)
    const refused = await cimNix(["flake", "adopt", computed], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("input a sets inputs.b.url: only follows overrides of an input's inputs are recorded")

    expect((await events()).map((e) => e.type)).toEqual(["FlakeAdopted", "FlakeUpdated"])
  })
})
