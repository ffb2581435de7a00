import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cimNix, stateDir } from "./cli.js"
import { storedEvents } from "./store.js"

/** A private state directory, event store, profile and activation log per test. */
const setup = () => {
  const dir = stateDir()
  const log = join(dir, "activations.log")
  return {
    dir,
    flake: join(dir, "fleet"),
    profile: join(dir, "profiles", "system"),
    log,
    env: { NIX_CONFIG: "substituters =", XDG_STATE_HOME: dir, CIM_NIX_ACTIVATION_LOG: log },
    events: () => storedEvents(join(dir, "cim-nix", "events.sqlite"))
  }
}

/** The generations of a profile as Nix lists them: number and whether current. */
const generations = (profile: string) =>
  execFileSync("nix-env", ["--profile", profile, "--list-generations"]).toString().trim().split("\n").map((line) => {
    const m = /^\s*(\d+)\s.*?(\(current\))?\s*$/.exec(line)!
    return [Number(m[1]), m[2] !== undefined]
  })

/** Changes the stand-in's system (as a user changing a configuration would), so that it builds to another store path. */
const edit = (flake: string, from: string, to: string) => {
  const file = join(flake, "nixos", "web-01.nix")
  writeFileSync(file, readFileSync(file, "utf8").replace(from, to))
}

/** A store path as event payloads hold it. */
const encoded = (path: string) => {
  const m = /^(\/nix\/store)\/([a-z0-9]{32})-(.+)$/.exec(path)!
  return { storeDir: m[1], hash: m[2], name: m[3] }
}

const switchLines = (log: string) => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [])

describe("cim-nix config", () => {
  it("create writes a flake with nixosConfigurations.<host> (a buildable stand-in) and records ConfigurationCreated", async () => {
    const t = setup()
    const run = await cimNix(["config", "create", t.flake, "--host", "web-01", "--module", "./modules/web.nix", "--overlay", "./overlays/local.nix", "--json"], t.env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.files).toEqual([join(t.flake, "nixos", "web-01.nix"), join(t.flake, "flake.nix")])
    expect(result.configuration).toEqual({
      flake: t.flake, hostname: "web-01", system: "x86_64-linux", modules: ["./modules/web.nix"], overlays: ["./overlays/local.nix"], generations: []
    })
    for (const file of result.files) execFileSync("nix-instantiate", ["--parse", file], { stdio: "pipe" })

    const second = await cimNix(["config", "create", t.flake, "--host", "db.example.org", "--system", "aarch64-linux", "--json"], t.env)
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout).files).toEqual([join(t.flake, "nixos", "db.example.org.nix")])
    const hosts = execFileSync("nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--json", `path:${t.flake}#nixosConfigurations`, "--apply", "c: builtins.mapAttrs (_: h: { inherit (h) system; modules = map (m: baseNameOf (toString m)) h.modules; }) c"], { env: { ...process.env, ...t.env } }).toString()
    expect(JSON.parse(hosts)).toEqual({ "db.example.org": { system: "aarch64-linux", modules: [] }, "web-01": { system: "x86_64-linux", modules: ["web.nix"] } })

    const events = await t.events()
    expect(events.map((e) => [e.type, e.aggregateType, e.aggregateId, e.version])).toEqual([
      ["ConfigurationCreated", "Configuration", `${t.flake}#nixosConfigurations.web-01`, 1],
      ["ConfigurationCreated", "Configuration", `${t.flake}#nixosConfigurations."db.example.org"`, 1]
    ])
    expect(events.map((e) => e.eventId)).toEqual([...result.events, ...JSON.parse(second.stdout).events])
    expect(events.every((e) => e.correlationId === e.causationId)).toBe(true)
  })

  it("create with --nixpkgs writes the nixpkgs.lib.nixosSystem form, and refuses --nixpkgs for a flake without it", async () => {
    const t = setup()
    const run = await cimNix(["config", "create", t.flake, "--host", "web-01", "--nixpkgs", "github:NixOS/nixpkgs/nixos-24.05", "--module", "./modules/web.nix", "--overlay", "inputs.foo.overlays.default"], t.env)
    expect(run.code).toBe(0)
    const flakeNix = readFileSync(join(t.flake, "flake.nix"), "utf8")
    expect(flakeNix).toMatch(/^ {2}inputs\.nixpkgs\.url = "github:NixOS\/nixpkgs\/nixos-24\.05";$/m)
    const host = readFileSync(join(t.flake, "nixos", "web-01.nix"), "utf8")
    expect(host).toMatch(/^inputs: inputs\.nixpkgs\.lib\.nixosSystem \{$/m)
    expect(host).toMatch(/\{ nixpkgs\.overlays = \[ inputs\.foo\.overlays\.default \]; \}/)
    for (const file of [join(t.flake, "flake.nix"), join(t.flake, "nixos", "web-01.nix")]) execFileSync("nix-instantiate", ["--parse", file], { stdio: "pipe" })
    const second = await cimNix(["config", "create", t.flake, "--host", "db"], t.env)
    expect(second.code).toBe(0)
    expect(readFileSync(join(t.flake, "nixos", "db.nix"), "utf8")).toMatch(/inputs\.nixpkgs\.lib\.nixosSystem/)
    expect(readFileSync(join(t.flake, "flake.nix"), "utf8")).toBe(flakeNix)

    const plain = join(t.dir, "plain")
    expect((await cimNix(["config", "create", plain, "--host", "a"], t.env)).code).toBe(0)
    const refused = await cimNix(["config", "create", plain, "--host", "b", "--nixpkgs", "github:NixOS/nixpkgs"], t.env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/exists without a nixpkgs input/)
    expect(existsSync(join(plain, "nixos", "b.nix"))).toBe(false)
    expect((await t.events()).map((e) => e.aggregateId)).toEqual([
      `${t.flake}#nixosConfigurations.web-01`, `${t.flake}#nixosConfigurations.db`, `${plain}#nixosConfigurations.a`
    ])
  })

  it("create rejects an invalid host name, an unsupported system and a flake.nix whose outputs it cannot edit; nothing is written", async () => {
    const t = setup()
    const host = await cimNix(["config", "create", t.flake, "--host", "Web_01"], t.env)
    expect(host.code).toBe(1)
    expect(host.stderr).toMatch(/"Web_01" is not a valid host name/)
    const system = await cimNix(["config", "create", t.flake, "--host", "web-01", "--system", "sparc-solaris"], t.env)
    expect(system.code).toBe(1)
    expect(system.stderr).toMatch(/"sparc-solaris" is not a supported system\n {2}hint: Use one of: x86_64-linux/)
    expect(existsSync(t.flake)).toBe(false)

    const other = join(t.dir, "computed")
    execFileSync("mkdir", ["-p", other])
    const text = "{ outputs = { self }: import ./outputs.nix; }\n"
    writeFileSync(join(other, "flake.nix"), text)
    const foreign = await cimNix(["config", "create", other, "--host", "web-01"], t.env)
    expect(foreign.code).toBe(1)
    expect(foreign.stderr).toMatch(/outputs returns a function application, not an attribute set literal/)
    expect(existsSync(join(other, "nixos"))).toBe(false)
    expect(readFileSync(join(other, "flake.nix"), "utf8")).toBe(text)
    expect(await t.events()).toEqual([])
  })

  it("create adds a host to a hand-written flake.nix in place; Nix builds it and activate switches to it", async () => {
    const t = setup()
    execFileSync("mkdir", ["-p", t.flake])
    const text = `{\n  # my fleet, by hand\n  description = "hand-written fleet";\n  outputs = { self }: {\n    value = 1; # mine\n  };\n}\n`
    writeFileSync(join(t.flake, "flake.nix"), text)
    const run = await cimNix(["config", "create", t.flake, "--host", "web-01", "--json"], t.env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).files).toEqual([join(t.flake, "nixos", "web-01.nix"), join(t.flake, "flake.nix")])
    expect(readFileSync(join(t.flake, "flake.nix"), "utf8")).toBe(
      `{\n  # my fleet, by hand\n  description = "hand-written fleet";\n  outputs = { self }@inputs: {\n    value = 1; # mine\n    nixosConfigurations.web-01 = import ./nixos/web-01.nix inputs;\n  };\n}\n`
    )
    const activated = await cimNix(["config", "activate", t.flake, "--host", "web-01", "--profile", t.profile, "--json"], t.env)
    expect(activated.stderr).toBe("")
    expect(activated.code).toBe(0)
    expect(JSON.parse(activated.stdout)).toMatchObject({ generation: 1, activated: true })
    expect(readFileSync(t.log, "utf8")).toMatch(/switch-to-configuration switch/)
    expect((await t.events()).map((e) => e.type)).toEqual(["ConfigurationCreated", "ConfigurationActivated"])
  })

  it("activate sets the profile (Nix generations), runs switch-to-configuration, and rollback goes back; events record both", async () => {
    const t = setup()
    expect((await cimNix(["config", "create", t.flake, "--host", "web-01"], t.env)).code).toBe(0)
    const activate = async (...extra: Array<string>) => {
      const run = await cimNix(["config", "activate", t.flake, "--host", "web-01", "--profile", t.profile, "--json", ...extra], t.env)
      expect(run.stderr).toBe("")
      expect(run.code).toBe(0)
      return JSON.parse(run.stdout)
    }
    const first = await activate()
    expect(first).toMatchObject({ mode: "switch", profile: t.profile, generation: 1, profileGeneration: 1, activated: true })
    expect(first.storePath).toMatch(/^\/nix\/store\/[a-z0-9]{32}-nixos-system-web-01$/)
    expect(readlinkSync(`${t.profile}-1-link`)).toBe(first.storePath)

    edit(t.flake, "nixos-system-web-01", "nixos-system-web-01-v2")
    const second = await activate()
    expect(second).toMatchObject({ generation: 2, profileGeneration: 2 })
    expect(second.storePath).not.toBe(first.storePath)
    const dry = await activate("--mode", "dry-activate")
    expect(dry).toMatchObject({ mode: "dry-activate", generation: null, profileGeneration: null, activated: false, output: null })
    const test = await activate("--mode", "test")
    expect(test).toMatchObject({ mode: "test", generation: null, profileGeneration: null, activated: true })
    expect(generations(t.profile)).toEqual([[1, false], [2, true]])
    expect(switchLines(t.log)).toEqual([
      `${first.storePath}/bin/switch-to-configuration switch`,
      `${second.storePath}/bin/switch-to-configuration switch`,
      `${second.storePath}/bin/switch-to-configuration test`
    ])

    const listed = await cimNix(["config", "generations", "--profile", t.profile, "--json"], t.env)
    expect(JSON.parse(listed.stdout).generations.map((g: { number: number; current: boolean; storePath: string }) => [g.number, g.current, g.storePath])).toEqual([
      [1, false, first.storePath],
      [2, true, second.storePath]
    ])

    const empty = await cimNix(["config", "generations", "--profile", join(t.dir, "no-such-dir", "system"), "--json"], t.env)
    expect(JSON.parse(empty.stdout)).toEqual({ profile: join(t.dir, "no-such-dir", "system"), generations: [] })

    const back = await cimNix(["config", "rollback", "--dir", t.flake, "--host", "web-01", "--profile", t.profile, "--json"], t.env)
    expect(back.stderr).toBe("")
    expect(back.code).toBe(0)
    expect(JSON.parse(back.stdout)).toMatchObject({ from: 2, to: 1, storePath: first.storePath, profileGeneration: 1 })
    expect(generations(t.profile)).toEqual([[1, true], [2, false]])
    expect(switchLines(t.log).at(-1)).toBe(`${first.storePath}/bin/switch-to-configuration switch`)

    const none = await cimNix(["config", "rollback", "--dir", t.flake, "--host", "web-01", "--profile", t.profile], t.env)
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/is at generation 1: there is no earlier generation to roll back to/)
    expect(generations(t.profile)).toEqual([[1, true], [2, false]])

    const events = await t.events()
    const id = `${t.flake}#nixosConfigurations.web-01`
    expect(events.map((e) => [e.type, e.aggregateId, e.version, e.payload])).toEqual([
      ["ConfigurationCreated", id, 1, expect.anything()],
      ["ConfigurationActivated", id, 2, { generation: 1, mode: "switch", storePath: encoded(first.storePath) }],
      ["ConfigurationActivated", id, 3, { generation: 2, mode: "switch", storePath: encoded(second.storePath) }],
      ["ConfigurationActivated", id, 4, { generation: null, mode: "dry-activate", storePath: encoded(second.storePath) }],
      ["ConfigurationActivated", id, 5, { generation: null, mode: "test", storePath: encoded(second.storePath) }],
      ["ConfigurationRolledBack", id, 6, { from: 2, to: 1, storePath: encoded(first.storePath) }]
    ])
    expect(events.slice(1).map((e) => e.eventId)).toEqual([first, second, dry, test, JSON.parse(back.stdout)].map((r) => r.events[0]))
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(6)
  })

  it("a failing or timed-out switch-to-configuration puts the profile back, deletes the new generation and records nothing", async () => {
    const t = setup()
    expect((await cimNix(["config", "create", t.flake, "--host", "web-01"], t.env)).code).toBe(0)
    const ok = await cimNix(["config", "activate", t.flake, "--host", "web-01", "--profile", t.profile], t.env)
    expect(ok.code).toBe(0)
    edit(t.flake, "echo \"stand-in switch-to-configuration $*: nothing to activate\"", "echo \"cannot start sshd\" >&2; exit 4")
    const failed = await cimNix(["config", "activate", t.flake, "--host", "web-01", "--profile", t.profile, "--json"], t.env)
    expect(failed.code).toBe(3)
    expect(failed.stdout).toBe("")
    expect(failed.stderr).toMatch(/switch-to-configuration switch of \/nix\/store\/\S+ failed \(exit code 4\)/)
    expect(generations(t.profile)).toEqual([[1, true]])
    expect((await t.events()).map((e) => e.type)).toEqual(["ConfigurationCreated", "ConfigurationActivated"])

    edit(t.flake, "echo \"cannot start sshd\" >&2; exit 4", "sleep 60")
    const slow = await cimNix(["config", "activate", t.flake, "--host", "web-01", "--profile", t.profile, "--timeout", "3"], t.env)
    expect(slow.code).toBe(3)
    expect(slow.stderr).toMatch(/timed out after 3s; its process group was terminated/)
    expect(generations(t.profile)).toEqual([[1, true]])
    expect((await t.events()).map((e) => e.type)).toEqual(["ConfigurationCreated", "ConfigurationActivated"])

    const missing = await cimNix(["config", "activate", t.flake, "--host", "db", "--profile", t.profile], t.env)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/there is no configuration db in the flake/)
  })
})
