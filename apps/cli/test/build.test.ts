import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync, readlinkSync } from "node:fs"
import { join } from "node:path"
import { cimNix, inTerminal } from "./cli.js"
import { storedEvents, testEnv, writeFlake } from "./testFlake.js"

const packages = {
  hello: "echo building hello; echo hi > $out",
  world: "echo world > $out",
  broken: "echo about to fail; exit 3",
  slow: "/bin/sleep 60; echo > $out",
  chatty: "echo step one; /bin/sleep 1; echo step two; echo > $out"
}

describe("cim-nix build", { timeout: 180_000 }, () => {
  it("builds several installables in one call, prints them as JSON and records PackageBuilt for each", async () => {
    const env = testEnv()
    const flake = writeFlake(packages)
    const run = await cimNix(["build", "--json", `${flake.ref}#hello`, `${flake.ref}#world`], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const entries = JSON.parse(run.stdout)
    expect(entries.map((e: { installable: string }) => e.installable)).toEqual([`${flake.ref}#hello`, `${flake.ref}#world`])
    for (const [i, name] of ["hello", "world"].entries()) {
      const entry = entries[i]
      expect(entry.drvPath).toMatch(new RegExp(`^/nix/store/[0-9a-z]{32}-${name}-${flake.nonce}\\.drv$`))
      expect(Object.keys(entry.outputs)).toEqual(["out"])
      expect(entry.outputs.out).toMatch(new RegExp(`^/nix/store/[0-9a-z]{32}-${name}-${flake.nonce}$`))
      expect(existsSync(entry.drvPath)).toBe(true)
      expect(entry.alreadyValid).toBe(false)
      expect(entry.stopTime).toBeGreaterThanOrEqual(entry.startTime)
      expect(entry.startTime).toBeGreaterThan(Date.now() / 1000 - 120)
    }
    expect(readFileSync(entries[0].outputs.out, "utf8")).toBe("hi\n")

    const events = await storedEvents(env)
    expect(events.map((e) => [e.type, e.aggregateType, e.aggregateId, e.version])).toEqual([
      ["PackageBuilt", "Package", `${flake.ref}#hello@x86_64-linux`, 1],
      ["PackageBuilt", "Package", `${flake.ref}#world@x86_64-linux`, 1]
    ])
    expect(events.map((e) => e.eventId)).toEqual(entries.flatMap((e: { events: Array<string> }) => e.events))
    const correlation = events[0]!.correlationId
    expect(events.every((e) => e.correlationId === correlation && e.causationId === correlation)).toBe(true)
    expect(events[0]!.payload).toMatchObject({ alreadyValid: false, system: "x86_64-linux" })

    // Again: nothing to build, recorded as version 2 of the same stream.
    const again = await cimNix(["build", "--json", `${flake.ref}#hello`], env)
    expect(JSON.parse(again.stdout)[0]).toMatchObject({ alreadyValid: true, outputs: entries[0].outputs })
    const after = await storedEvents(env, "--aggregate", `${flake.ref}#hello@x86_64-linux`)
    expect(after.map((e) => [e.type, e.version])).toEqual([["PackageBuilt", 1], ["PackageBuilt", 2]])
    expect(after[1]!.correlationId).not.toBe(correlation)
  })

  it("links the outputs with --out-link and refuses --out-link with --no-link", async () => {
    const env = testEnv()
    const flake = writeFlake(packages)
    const link = join(flake.dir, "result")
    const run = await cimNix(["build", "--json", "--out-link", link, `${flake.ref}#world`], env)
    expect(run.code).toBe(0)
    expect(readlinkSync(link)).toBe(JSON.parse(run.stdout)[0].outputs.out)
    const both = await cimNix(["build", "--out-link", link, "--no-link", `${flake.ref}#world`], env)
    expect(both.code).toBe(1)
    expect(both.stderr).toMatch(/--out-link and --no-link exclude each other/)
  })

  it("records a failing build with its log tail and exits 3 with the error line and a hint", async () => {
    const env = testEnv()
    const flake = writeFlake(packages)
    const ok = await cimNix(["build", `${flake.ref}#hello`], env)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(new RegExp(`out +/nix/store/[0-9a-z]{32}-hello-${flake.nonce}`))
    const run = await cimNix(["build", "--json", `${flake.ref}#broken`], env)
    expect(run.code).toBe(3)
    expect(run.stdout).toBe("")
    expect(run.stderr).toMatch(new RegExp(`^error: nix build failed \\(exit code 1\\): builder for '/nix/store/[0-9a-z]{32}-broken-${flake.nonce}\\.drv' failed with exit code 3`))
    expect(run.stderr).toMatch(/hint: /)
    const events = await storedEvents(env)
    expect(events.map((e) => [e.type, e.aggregateId, e.version])).toEqual([
      ["PackageBuilt", `${flake.ref}#hello@x86_64-linux`, 1],
      ["PackageBuildFailed", `${flake.ref}#broken@x86_64-linux`, 1]
    ])
    expect(events[1]!.payload).toMatchObject({ exitCode: 1, errorSummary: expect.stringMatching(/failed with exit code 3/) })
    expect(events[1]!.payload.logTail).toMatch(/about to fail/)
  })

  it("rejects flag-like and malformed installables before running nix; nothing is recorded", async () => {
    const env = testEnv()
    for (const args of [["--", "--foo"], ["path:/tmp#ok", "--", "-L"], ["path:/tmp#a^"]]) {
      const run = await cimNix(["build", ...args], env)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^error: .*(looks like a flag|output name)/)
      expect(run.stderr).toMatch(/hint: /)
    }
    expect(await storedEvents(env)).toEqual([])
  })

  it("stops a build that outlives --timeout (exit 3) and keeps what was recorded before", async () => {
    const env = testEnv()
    const flake = writeFlake(packages)
    expect((await cimNix(["build", `${flake.ref}#hello`], env)).code).toBe(0)
    const started = Date.now()
    const run = await cimNix(["build", "--timeout", "2", `${flake.ref}#slow`], env)
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/^error: nix timed out after 2s/)
    expect((await storedEvents(env)).map((e) => e.type)).toEqual(["PackageBuilt"])
  })

  it("records concurrent builds of one target from two processes as versions 1 and 2 of its stream", async () => {
    const env = testEnv()
    const flake = writeFlake(packages)
    const runs = await Promise.all([cimNix(["build", "--json", `${flake.ref}#world`], env), cimNix(["build", "--json", `${flake.ref}#world`], env)])
    expect(runs.map((r) => r.code)).toEqual([0, 0])
    const ids = runs.flatMap((r) => JSON.parse(r.stdout)[0].events)
    const events = await storedEvents(env)
    expect(events.map((e) => [e.type, e.aggregateId, e.version])).toEqual([
      ["PackageBuilt", `${flake.ref}#world@x86_64-linux`, 1],
      ["PackageBuilt", `${flake.ref}#world@x86_64-linux`, 2]
    ])
    expect(events.map((e) => e.eventId).sort()).toEqual([...ids].sort())
    expect(events[0]!.correlationId).not.toBe(events[1]!.correlationId)
  })

  it("draws live progress on a terminal, and none with --json or without a terminal", async () => {
    const env = testEnv()
    const flake = writeFlake(packages)
    const shown = (await inTerminal(["build", `${flake.ref}#chatty`], env)).replace(/\r/g, "\n")
    expect(shown).toMatch(/\[\d+\/\d+\/1 built\/running\/total\] \d+\.\ds building chatty-/)
    expect(shown).toMatch(/> step one/)
    expect(shown).toMatch(/\[1\/0\/1 built\/running\/total\].*> step two/)
    expect(shown).toMatch(new RegExp(`out +/nix/store/[0-9a-z]{32}-chatty-${flake.nonce}`))

    const other = writeFlake(packages)
    const json = (await inTerminal(["build", "--json", `${other.ref}#chatty`], env)).replace(/\r/g, "")
    expect(json).not.toMatch(/built\/running\/total/)
    expect(JSON.parse(json)[0].alreadyValid).toBe(false)

    const third = writeFlake(packages)
    const piped = await cimNix(["build", `${third.ref}#chatty`], env)
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe("")
  })
})
