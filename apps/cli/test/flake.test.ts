import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix } from "./cli.js"
import { storedEvents } from "./store.js"
import { testEnv } from "./testFlake.js"

/** A fresh directory, a private state directory and the environment for cim-nix runs against them. */
const scratch = () => {
  const root = mkdtempSync(join(tmpdir(), "cim-nix-flake-test-"))
  const env = testEnv(join(root, "state"))
  return { root, env, events: () => storedEvents(join(root, "state", "cim-nix", "events.sqlite")) }
}

/** A local flake (an input for the flakes under test) whose outputs hold `value`. */
const localFlake = (dir: string, value: number, inputs = "") => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "flake.nix"), `{\n  ${inputs}\n  outputs = { self, ... }: { value = ${value}; };\n}\n`)
  return `path:${dir}`
}

const json = async (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const run = await cimNix([...args, "--json"], env)
  expect(run.stderr).toBe("")
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout)
}

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, "flake.lock"), "utf8"))

/** Type, version and causation of events, with causations as indexes into `events` (-1: the root command). */
const chain = (events: ReadonlyArray<{ type: string; version: number; eventId: string; correlationId: string; causationId: string }>) =>
  events.map((e) => [e.type, e.version, e.causationId === e.correlationId ? -1 : events.findIndex((c) => c.eventId === e.causationId)])

describe("cim-nix flake create", () => {
  it("the package template builds a runnable hello", async () => {
    const { root, env } = scratch()
    const dir = join(root, "hello")
    await json(["flake", "create", dir, "--template", "package"], env)
    const [built] = await json(["build", `path:${dir}`], env)
    expect(execFileSync(join(built.outputs.out, "bin", "hello"), { encoding: "utf8" })).toBe("hello\n")
  })

  it("writes flake.nix from the template, locks its local input, checks it and records the three events in one conversation", async () => {
    const { root, env, events } = scratch()
    const lib = localFlake(join(root, "lib"), 1)
    const dir = join(root, "hello")
    const result = await json(["flake", "create", dir, "--template", "package", "--description", "Say \"hi\" ${x}", "--input", `lib=${lib}`], env)

    const text = readFileSync(join(dir, "flake.nix"), "utf8")
    expect(text.split("\n").slice(0, 5)).toEqual([
      "{",
      '  description = "Say \\"hi\\" \\${x}";',
      `  inputs.lib.url = "${lib}";`,
      "  # One package, built by /bin/sh (no nixpkgs needed): nix build .#default",
      "  outputs = { self, lib }:"
    ])
    execFileSync("nix-instantiate", ["--parse", join(dir, "flake.nix")], { stdio: "pipe" })
    expect(lockOf(dir).nodes.lib.locked).toMatchObject({ type: "path", path: join(root, "lib") })

    expect(result).toMatchObject({ path: dir, template: "package", file: join(dir, "flake.nix"), lock: { locked: ["lib"] } })
    expect(result.check).toEqual({ passed: ["packages.x86_64-linux.default"], failed: [] })
    const stored = await events()
    expect(result.events).toEqual(stored.map((e) => e.eventId))
    expect(chain(stored)).toEqual([["FlakeCreated", 1, -1], ["FlakeUpdated", 2, 0], ["FlakeChecked", 3, 1]])
    expect(new Set(stored.map((e) => `${e.aggregateType}:${e.aggregateId}:${e.correlationId}`)).size).toBe(1)
    expect(stored[0]!.aggregateId).toBe(dir)
    expect(stored[0]!.payload).toMatchObject({ path: dir, description: 'Say "hi" ${x}', inputs: { lib: { flake: true, overrides: {} } } })
    expect(stored[1]!.payload).toMatchObject({ changes: [{ input: "lib", before: null, after: { narHash: lockOf(dir).nodes.lib.locked.narHash } }] })
  })

  it.each(["minimal", "devshell", "overlay-module"])("the %s template checks offline", async (template) => {
    const { root, env } = scratch()
    const result = await json(["flake", "create", join(root, "f"), "--template", template], env)
    expect(result.check.failed).toEqual([])
    expect(result.lock).toEqual({ skipped: "the flake has no inputs to lock" })
  })

  it("writes the nixos template without checking it (nixpkgs needs the network), and says why", async () => {
    const { root, env, events } = scratch()
    const result = await json(["flake", "create", join(root, "host"), "--template", "nixos"], env)
    expect(result.check.skipped).toMatch(/nixos template fetches nixpkgs/)
    expect(result.lock.skipped).toMatch(/input nixpkgs: github:NixOS\/nixpkgs\/nixos-unstable is fetched from the network/)
    expect(readFileSync(join(root, "host", "flake.nix"), "utf8")).toMatch(/nixosConfigurations\.nixos = nixpkgs\.lib\.nixosSystem/)
    execFileSync("nix-instantiate", ["--parse", join(root, "host", "flake.nix")], { stdio: "pipe" })
    expect((await events()).map((e) => e.type)).toEqual(["FlakeCreated"])
  })

  it("when Nix cannot lock an input, prints and keeps the recorded creation, skips the check and exits 3", async () => {
    const { root, env, events } = scratch()
    mkdirSync(join(root, "empty"))
    const dir = join(root, "f")
    const run = await cimNix(["flake", "create", dir, "--input", `e=path:${join(root, "empty")}`, "--json"], env)
    expect(run.code).toBe(3)
    const result = JSON.parse(run.stdout)
    expect(result.lock.failed).toMatch(/flake\.nix/)
    expect(result.check).toEqual({ skipped: "the inputs could not be locked" })
    expect(run.stderr).toMatch(/^error: nix failed .*flake\.nix/)
    const stored = await events()
    expect(stored.map((e) => e.type)).toEqual(["FlakeCreated"])
    expect(result.events).toEqual([stored[0]!.eventId])
    expect(existsSync(join(dir, "flake.nix"))).toBe(true)
  })

  it("with --git, initialises a repository and stages flake.nix and flake.lock", async () => {
    const { root, env } = scratch()
    const dir = join(root, "repo")
    const result = await json(["flake", "create", dir, "--git", "--input", `lib=${localFlake(join(root, "lib"), 1)}`], env)
    expect(result.git).toEqual({ initialised: true, added: ["flake.nix", "flake.lock"] })
    expect(execFileSync("git", ["ls-files"], { cwd: dir }).toString()).toBe("flake.lock\nflake.nix\n")
    expect(result.check.failed).toEqual([])
  })

  it("refuses an existing flake.nix without --force (exit 1, nothing written or recorded), replaces it with --force", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "mine")
    mkdirSync(dir)
    writeFileSync(join(dir, "flake.nix"), "# mine\n{ outputs = _: { }; }\n")
    const refused = await cimNix(["flake", "create", dir, "--json"], env)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe("")
    expect(refused.stderr).toMatch(/flake\.nix already exists/)
    expect(refused.stderr).toMatch(/hint: Pass --force/)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toBe("# mine\n{ outputs = _: { }; }\n")
    expect(await events()).toEqual([])

    const forced = await json(["flake", "create", dir, "--force"], env)
    expect(forced.events).toHaveLength(2)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toBe('{\n  description = "";\n  # Add outputs here: packages, devShells, nixosModules, ...\n  outputs = { self }: { };\n}\n')
  })

  it("rejects a bad flake reference and a malformed --input (exit 1): no directory, no events", async () => {
    const { root, env, events } = scratch()
    const bad = await cimNix(["flake", "create", join(root, "a"), "--input", "x=github:NixOS"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^error: input x: .*github/)
    expect(bad.stderr).toMatch(/hint: /)
    const malformed = await cimNix(["flake", "create", join(root, "b"), "--input", "nixpkgs"], env)
    expect(malformed.code).toBe(1)
    expect(malformed.stderr).toMatch(/--input "nixpkgs" is not NAME=VALUE/)
    expect(existsSync(join(root, "a"))).toBe(false)
    expect(existsSync(join(root, "b"))).toBe(false)
    expect(await events()).toEqual([])
  })
})

describe("cim-nix flake add-input / remove-input", () => {
  it("edits a hand-edited flake.nix in place, locks a path: input, and records FlakeInputAdded then FlakeUpdated", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    await json(["flake", "create", dir], env)
    const handWritten = readFileSync(join(dir, "flake.nix"), "utf8").replace("{\n", "{\n  # my comment, kept\n\n")
    writeFileSync(join(dir, "flake.nix"), handWritten)
    const lib = localFlake(join(root, "lib"), 2)

    const added = await json(["flake", "add-input", dir, "lib", lib], env)
    const text = readFileSync(join(dir, "flake.nix"), "utf8")
    expect(text.startsWith("{\n  # my comment, kept\n\n")).toBe(true)
    expect(text).toMatch(new RegExp(`inputs\\.lib\\.url = "${lib}";`))
    expect(text).toMatch(/outputs = \{ self, lib \}:/)
    expect(lockOf(dir).nodes.lib.locked.path).toBe(join(root, "lib"))
    expect(added).toMatchObject({ path: dir, name: "lib", lock: { locked: ["lib"] } })

    const stored = await events()
    expect(stored.slice(2).map((e) => e.eventId)).toEqual(added.events)
    expect(chain(stored.slice(2))).toEqual([["FlakeInputAdded", 3, -1], ["FlakeUpdated", 4, 0]])
    expect(stored[2]!.payload).toMatchObject({ name: "lib", input: { ref: { type: "path", path: join(root, "lib") }, flake: true } })

    const removed = await json(["flake", "remove-input", dir, "lib"], env)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).not.toMatch(/lib/)
    expect(lockOf(dir).nodes.lib).toBeUndefined()
    expect(removed.lock).toEqual({ locked: [] })
    const after = await events()
    expect(chain(after.slice(4))).toEqual([["FlakeInputRemoved", 5, -1]])
    expect(after.slice(4).map((e) => e.eventId)).toEqual(removed.events)
  })

  it("adds a network input without locking it, and says why", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    await json(["flake", "create", dir], env)
    const added = await json(["flake", "add-input", dir, "nixpkgs", "github:NixOS/nixpkgs/nixos-24.05", "--no-flake"], env)
    expect(added.lock.skipped).toMatch(/github:NixOS\/nixpkgs\/nixos-24\.05 is fetched from the network/)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toMatch(/inputs\.nixpkgs\.flake = false;/)
    expect(existsSync(join(dir, "flake.lock"))).toBe(false)
    expect((await events()).map((e) => e.type)).toEqual(["FlakeCreated", "FlakeChecked", "FlakeInputAdded"])
  })

  it("locks a follows of the new input's own input", async () => {
    const { root, env } = scratch()
    const dep = localFlake(join(root, "dep"), 1)
    const mid = localFlake(join(root, "mid"), 2, `inputs.dep.url = "${dep}";`)
    const dir = join(root, "f")
    await json(["flake", "create", dir, "--input", `dep=${dep}`], env)
    await json(["flake", "add-input", dir, "mid", mid, "--follows", "dep=dep"], env)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toMatch(/inputs\.mid\.inputs\.dep\.follows = "dep";/)
    expect(lockOf(dir).nodes.mid.inputs).toEqual({ dep: ["dep"] })
  })

  it("when Nix cannot lock the input: exit 3 with Nix's reason, flake.nix and flake.lock byte-identical, nothing recorded", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    await json(["flake", "create", dir, "--input", `a=${localFlake(join(root, "a"), 1)}`], env)
    const before = { nix: readFileSync(join(dir, "flake.nix"), "utf8"), lock: readFileSync(join(dir, "flake.lock"), "utf8") }
    mkdirSync(join(root, "empty"))
    const failed = await cimNix(["flake", "add-input", dir, "b", `path:${join(root, "empty")}`, "--json"], env)
    expect(failed.code).toBe(3)
    expect(failed.stdout).toBe("")
    expect(failed.stderr).toMatch(/^error: .*flake\.nix/)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toBe(before.nix)
    expect(readFileSync(join(dir, "flake.lock"), "utf8")).toBe(before.lock)
    expect((await events()).map((e) => e.type)).toEqual(["FlakeCreated", "FlakeUpdated", "FlakeChecked"])
  })

  it("refuses removing an input the outputs use, or one the flake lacks (nothing changed)", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    await json(["flake", "create", dir, "--input", `a=${localFlake(join(root, "a"), 1)}`], env)
    writeFileSync(join(dir, "flake.nix"), readFileSync(join(dir, "flake.nix"), "utf8").replace("{ };", "{ v = a.value; };"))
    const before = readFileSync(join(dir, "flake.nix"), "utf8")
    const used = await cimNix(["flake", "remove-input", dir, "a"], env)
    expect(used.code).not.toBe(0)
    expect(used.stderr).toMatch(/a/)
    const missing = await cimNix(["flake", "remove-input", dir, "zzz"], env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/has no input zzz/)
    expect(readFileSync(join(dir, "flake.nix"), "utf8")).toBe(before)
    expect(await events()).toHaveLength(3)
  })
})

describe("cim-nix flake update / check / show / graph", () => {
  it("update records old and new narHash and lastModified per input; check records passed and failed outputs", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    const a = localFlake(join(root, "a"), 1)
    const b = localFlake(join(root, "b"), 1)
    await json(["flake", "create", dir, "--template", "package", "--input", `a=${a}`, "--input", `b=${b}`], env)
    const oldLock = lockOf(dir)
    localFlake(join(root, "a"), 2)
    localFlake(join(root, "b"), 2)

    const updated = await json(["flake", "update", dir, "a"], env)
    const newLock = lockOf(dir)
    expect(newLock.nodes.a.locked.narHash).not.toBe(oldLock.nodes.a.locked.narHash)
    expect(newLock.nodes.b.locked.narHash).toBe(oldLock.nodes.b.locked.narHash)
    expect(updated.changes).toEqual([
      {
        input: "a",
        before: { narHash: oldLock.nodes.a.locked.narHash, lastModified: oldLock.nodes.a.locked.lastModified },
        after: { narHash: newLock.nodes.a.locked.narHash, lastModified: newLock.nodes.a.locked.lastModified }
      }
    ])
    const all = await json(["flake", "update", dir], env)
    expect(all.changes.map((c: { input: string }) => c.input)).toEqual(["a", "b"])
    expect(all.changes[0].before).toEqual(all.changes[0].after)
    expect(all.changes[1].after.narHash).toBe(lockOf(dir).nodes.b.locked.narHash)

    const human = await cimNix(["flake", "update", dir], env)
    expect(human.stdout).toMatch(/^input +before +after +last modified/)
    expect(human.stdout).toMatch(/\na +\S+ +\S+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +unchanged\n/)

    const passed = await json(["flake", "check", dir], env)
    expect(passed).toMatchObject({ path: dir, passed: ["packages.x86_64-linux.default"], failed: [] })

    writeFileSync(join(dir, "flake.nix"), readFileSync(join(dir, "flake.nix"), "utf8").replace("default = derivation {", "default = 42; other = derivation {"))
    const failed = await cimNix(["flake", "check", dir, "--json"], env)
    expect(failed.code).toBe(3)
    expect(failed.stdout).toBe("")
    expect(failed.stderr).toMatch(/flake attribute 'packages\.x86_64-linux\.default' is not a derivation \(recorded as [0-9a-f-]{36}\)/)

    const stored = await events()
    expect(chain(stored.slice(3))).toEqual([["FlakeUpdated", 4, -1], ["FlakeUpdated", 5, -1], ["FlakeUpdated", 6, -1], ["FlakeChecked", 7, -1], ["FlakeChecked", 8, -1]])
    expect(stored[3]!.eventId).toBe(updated.events[0])
    expect(stored[6]!.eventId).toBe(passed.events[0])
    expect(stored[7]!.payload).toMatchObject({ passed: [], failed: [{ output: "packages.x86_64-linux.default" }] })
    expect(failed.stderr).toContain(stored[7]!.eventId)
  })

  it("a check that runs out of time is a Nix failure (exit 3) and records nothing", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    await json(["flake", "create", dir], env)
    const marker = `slow-${Date.now()}`
    writeFileSync(
      join(dir, "flake.nix"),
      readFileSync(join(dir, "flake.nix"), "utf8").replace(
        "outputs = { self }: { };",
        `outputs = { self }: { checks.x86_64-linux.slow = derivation { name = "${marker}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "/bin/sleep 60" ]; }; };`
      )
    )
    const started = Date.now()
    const run = await cimNix(["flake", "check", dir, "--timeout", "2", "--json"], env)
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(run.code).toBe(3)
    expect(run.stdout).toBe("")
    expect(run.stderr).toMatch(/^error: nix timed out after 2s/)
    expect((await events()).map((e) => e.type)).toEqual(["FlakeCreated", "FlakeChecked"])
  })

  it("update and check refuse a flake cim-nix does not know, and an input the flake lacks", async () => {
    const { root, env, events } = scratch()
    const unknown = await cimNix(["flake", "check", join(root, "nowhere")], env)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/cim-nix has no flake at .*nowhere/)
    const dir = join(root, "f")
    await json(["flake", "create", dir], env)
    const lacking = await cimNix(["flake", "update", dir, "nope"], env)
    expect(lacking.code).toBe(1)
    expect(lacking.stderr).toMatch(/has no input nope/)
    expect((await events()).map((e) => e.type)).toEqual(["FlakeCreated", "FlakeChecked"])
  })

  it("when Nix cannot update an input, exit 3 with Nix's reason: flake.lock unchanged, nothing recorded", async () => {
    const { root, env, events } = scratch()
    const dir = join(root, "f")
    await json(["flake", "create", dir, "--input", `a=${localFlake(join(root, "a"), 1)}`], env)
    const lock = readFileSync(join(dir, "flake.lock"), "utf8")
    rmSync(join(root, "a"), { recursive: true })
    const failed = await cimNix(["flake", "update", dir, "--json"], env)
    expect(failed.code).toBe(3)
    expect(failed.stdout).toBe("")
    expect(failed.stderr).toMatch(/^error: nix failed .*\/a/)
    expect(readFileSync(join(dir, "flake.lock"), "utf8")).toBe(lock)
    expect((await events()).map((e) => e.type)).toEqual(["FlakeCreated", "FlakeUpdated", "FlakeChecked"])
  })

  it("show prints the read model and the outputs; graph prints nodes, edges and follows as JSON, DOT and Mermaid", async () => {
    const { root, env } = scratch()
    const dep = localFlake(join(root, "dep"), 1)
    const mid = localFlake(join(root, "mid"), 2, `inputs.dep.url = "${dep}";`)
    const dir = join(root, "f")
    await json(["flake", "create", dir, "--template", "package", "--description", "demo", "--input", `dep=${dep}`], env)
    await json(["flake", "add-input", dir, "mid", mid, "--follows", "dep=dep"], env)

    const shown = await json(["flake", "show", dir], env)
    expect(shown.path).toBe(dir)
    expect(shown.outputs).toEqual(["packages.x86_64-linux.default"])
    expect(shown.known).toMatchObject({ description: "demo", inputs: { dep: { ref: dep }, mid: { ref: mid, overrides: { dep: "dep" } } } })
    expect(Object.keys(shown.known.locks).sort()).toEqual(["dep", "mid"])
    expect(shown.known.lastCheck.passed).toEqual(["packages.x86_64-linux.default"])
    expect(shown.known.lastCheck.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    const human = await cimNix(["flake", "show", dir], env)
    expect(human.stdout.split("\n").slice(0, 4)).toEqual([
      `${dir}: demo`,
      expect.stringMatching(/^input +ref +locked$/),
      expect.stringMatching(new RegExp(`^dep +${dep} +\\S{12}$`)),
      expect.stringMatching(new RegExp(`^mid +${mid} +\\S{12}$`))
    ])
    expect(human.stdout).toMatch(/\nlast check: passed at \d{4}-/)

    const graph = await json(["flake", "graph", dir], env)
    const lock = lockOf(dir)
    expect(graph.nodes.map((n: { id: string }) => n.id)).toEqual(["root", "dep", "mid"])
    expect(graph.nodes[1]).toMatchObject({ original: dep, narHash: lock.nodes.dep.locked.narHash, lastModified: lock.nodes.dep.locked.lastModified })
    expect(graph.nodes[1].ageSeconds).toBeGreaterThanOrEqual(0)
    expect(graph.edges).toEqual([
      { from: "root", input: "dep", to: "dep" },
      { from: "root", input: "mid", to: "mid" },
      { from: "mid", input: "dep", to: "dep", follows: ["dep"] }
    ])
    const dot = await cimNix(["flake", "graph", dir, "--format", "dot"], env)
    expect(dot.stdout).toMatch(/^digraph flake \{/)
    expect(dot.stdout).toContain('"mid" -> "dep" [label="dep follows dep", style=dashed];')
    const mermaid = await cimNix(["flake", "graph", dir, "--format", "mermaid"], env)
    expect(mermaid.stdout).toMatch(/^flowchart LR\n/)
    expect(mermaid.stdout).toContain('n_mid -.->|"dep follows dep"| n_dep')

    const unlocked = await cimNix(["flake", "graph", join(root, "dep")], env)
    expect(unlocked.code).toBe(1)
    expect(unlocked.stderr).toMatch(/there is no flake\.lock in/)
  })
})
