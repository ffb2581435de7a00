import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, lutimesSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix } from "./cli.js"
import { storedEvents, testEnv, writeFlake } from "./testFlake.js"

/** Builds a fresh package of a test flake; without `link` nothing roots its output. */
const buildOne = async (env: Record<string, string>, link?: string) => {
  const flake = writeFlake({ garbage: "echo some garbage bytes > $out" })
  const run = await cimNix(["build", "--json", ...(link ? ["--out-link", join(flake.dir, link)] : []), `${flake.ref}#garbage`], env)
  expect(run.code).toBe(0)
  return JSON.parse(run.stdout)[0].outputs.out as string
}

// The store is shared with other tests: these tests only ever delete paths they created.
describe("cim-nix gc", { timeout: 180_000 }, () => {
  it("lists dead paths in a dry run, deletes a dead path, and records both runs", async () => {
    const env = testEnv()
    const out = await buildOne(env)
    const dry = await cimNix(["gc", "--dry-run", "--json", "--path", out], env)
    expect(dry.stderr).toBe("")
    expect(dry.code).toBe(0)
    const report = JSON.parse(dry.stdout)
    expect(report).toMatchObject({ dryRun: true, freedBytes: 0, deletedPaths: 1, paths: [out] })
    expect(report.reclaimableBytes).toBeGreaterThan(0)
    expect(existsSync(out)).toBe(true)

    const all = JSON.parse((await cimNix(["gc", "--dry-run", "--json"], env)).stdout)
    expect(all.paths).toContain(out)
    expect(all.deletedPaths).toBe(all.paths.length)
    expect(existsSync(out)).toBe(true)

    const real = await cimNix(["gc", "--json", "--path", out], env)
    expect(real.code).toBe(0)
    const collected = JSON.parse(real.stdout)
    expect(collected).toMatchObject({ dryRun: false, deletedPaths: 1, paths: [out] })
    expect(collected.reclaimableBytes).toBeUndefined()
    expect(existsSync(out)).toBe(false)

    const events = (await storedEvents(env)).filter((e) => e.aggregateType === "GarbageCollection")
    expect(events.map((e) => [e.type, e.aggregateId, e.version])).toEqual([
      ["GarbageCollected", "/nix/store", 1],
      ["GarbageCollected", "/nix/store", 2],
      ["GarbageCollected", "/nix/store", 3]
    ])
    expect(events.map((e) => e.eventId)).toEqual([...report.events, ...all.events, ...collected.events])
    expect(events[0]!.payload).toEqual({ options: { dryRun: true }, freedBytes: 0, deletedPaths: 1 })
    expect(events[2]!.payload).toEqual({ options: { dryRun: false }, freedBytes: collected.freedBytes, deletedPaths: 1 })
    expect(events.every((e) => e.causationId === e.correlationId)).toBe(true)
    expect(new Set(events.map((e) => e.correlationId)).size).toBe(3)

    const human = await cimNix(["gc", "--dry-run", "--path", out], env)
    expect(human.stdout).toMatch(/0 store path\(s\) would be deleted/)
  })

  it("refuses to delete a live path (exit 3) and bad options (exit 1), recording nothing", async () => {
    const env = testEnv()
    const rooted = await buildOne(env, "result")
    const live = await cimNix(["gc", "--json", "--path", rooted], env)
    expect(live.code).toBe(3)
    expect(live.stdout).toBe("")
    expect(live.stderr).toMatch(/^error: .*(alive|still)/)
    expect(existsSync(rooted)).toBe(true)
    for (const args of [["--older-than", "30"], ["--max", "12X"], ["--path", "--delete"], ["--path", "/tmp/not-in-store"]]) {
      const run = await cimNix(["gc", "--dry-run", ...args], env)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^error: .*\n  hint: /)
    }
    expect((await storedEvents(env)).map((e) => e.type)).toEqual(["PackageBuilt"])
  })

  /**
   * A private chroot store (NIX_REMOTE) and state directory (NIX_STATE_DIR, where Nix looks for
   * profiles), so that a collection can only ever touch what this test made; `add` puts a file in it.
   */
  const privateStore = () => {
    const root = mkdtempSync(join(tmpdir(), "cim-nix-gc-store-"))
    const env = { ...testEnv(), NIX_REMOTE: `local?root=${root}`, NIX_STATE_DIR: join(root, "nix", "var", "nix") }
    const nixTool = (program: string, args: ReadonlyArray<string>) => execFileSync(program, args, { env: { ...process.env, ...env }, encoding: "utf8" }).trim()
    const add = (name: string) => {
      const file = join(root, `${name}.txt`)
      writeFileSync(file, `${name} ${Date.now()}\n`)
      return nixTool("nix-store", ["--add", file])
    }
    return { root, env, add, nixTool }
  }

  it("--max stops once that much is freed: in a private store of two dead paths, one goes and one stays", async () => {
    const { root, env, add } = privateStore()
    const added = ["one", "two"].map(add)
    const run = await cimNix(["gc", "--max", "1", "--json"], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const collected = JSON.parse(run.stdout)
    expect(collected).toMatchObject({ dryRun: false, deletedPaths: 1 })
    expect(added).toContain(collected.paths[0])
    expect(added.map((path) => existsSync(join(root, path)))).toEqual(added.map((path) => path !== collected.paths[0]))
    const [event] = (await storedEvents(env)).filter((e) => e.type === "GarbageCollected")
    expect(event!.payload).toEqual({ options: { dryRun: false, maxFreed: 1 }, freedBytes: collected.freedBytes, deletedPaths: 1 })
  })

  it("--older-than deletes the profile generations older than that (keeping the one current then) and collects what they held", async () => {
    const { root, env, add, nixTool } = privateStore()
    const profiles = join(root, "nix", "var", "nix", "profiles")
    mkdirSync(profiles, { recursive: true })
    const profile = join(profiles, "test")
    const paths = ["old", "then", "now"].map(add)
    paths.forEach((path) => nixTool("nix-env", ["--profile", profile, "--set", path]))
    const day = 24 * 3600
    lutimesSync(`${profile}-1-link`, Date.now() / 1000 - 10 * day, Date.now() / 1000 - 10 * day)
    lutimesSync(`${profile}-2-link`, Date.now() / 1000 - 5 * day, Date.now() / 1000 - 5 * day)
    const run = await cimNix(["gc", "--older-than", "1d", "--json"], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: false, deletedPaths: 1, paths: [paths[0]] })
    expect(nixTool("nix-env", ["--profile", profile, "--list-generations"]).split("\n").map((line) => Number(line.trim().split(/\s+/)[0]))).toEqual([2, 3])
    expect(paths.map((path) => existsSync(join(root, path)))).toEqual([false, true, true])
    const [event] = (await storedEvents(env)).filter((e) => e.type === "GarbageCollected")
    expect(event!.payload).toMatchObject({ options: { dryRun: false, olderThan: "1d" }, deletedPaths: 1 })
  })
})
