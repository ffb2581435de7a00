import { describe, expect, it } from "@effect/vitest"
import { execFile, spawn } from "node:child_process"
import { baseEnv, bundle, cimNix } from "./cli.js"
import { storedEvents, testEnv, writeFlake } from "./testFlake.js"

describe("cim-nix events", { timeout: 180_000 }, () => {
  it("prints the stored envelopes, filtered by type, aggregate and correlation", async () => {
    const env = testEnv()
    const flake = writeFlake({ hello: "echo hi > $out" })
    expect((await cimNix(["build", `${flake.ref}#hello`], env)).code).toBe(0)
    expect((await cimNix(["eval", "1 + 1"], env)).code).toBe(0)
    expect((await cimNix(["build", `${flake.ref}#hello`], env)).code).toBe(0)

    const all = await storedEvents(env)
    expect(all.map((e) => [e.position, e.type, e.version])).toEqual([
      [1, "PackageBuilt", 1],
      [2, "ExpressionEvaluated", 1],
      [3, "PackageBuilt", 2]
    ])
    for (const e of all) {
      expect(Object.keys(e).sort()).toEqual(
        ["aggregateId", "aggregateType", "causationId", "correlationId", "eventId", "occurredAt", "payload", "position", "schemaVersion", "type", "version"]
      )
      expect(e.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(new Date((e as unknown as { occurredAt: string }).occurredAt).getTime()).toBeGreaterThan(Date.now() - 300_000)
    }
    expect((await storedEvents(env, "--type", "PackageBuilt")).map((e) => e.position)).toEqual([1, 3])
    expect((await storedEvents(env, "--aggregate", all[1]!.aggregateId)).map((e) => e.position)).toEqual([2])
    expect((await storedEvents(env, "--correlation", all[2]!.correlationId)).map((e) => e.position)).toEqual([3])
    expect((await storedEvents(env, "--limit", "1")).map((e) => e.position)).toEqual([1])
    expect(await storedEvents(env, "--type", "FlakeCreated")).toEqual([])

    const human = await cimNix(["events"], env)
    const lines = human.stdout.trim().split("\n")
    expect(lines[0]).toMatch(/^POS +OCCURRED +TYPE +AGGREGATE +VER +CORRELATION$/)
    expect(lines.slice(1).map((l) => l.split(/ +/)[2])).toEqual(["PackageBuilt", "ExpressionEvaluated", "PackageBuilt"])
    expect((await cimNix(["events", "--type", "Nothing"], env)).stdout).toBe("No events.\n")
  })

  it("--follow --json prints the past and then new events as JSON lines until stopped", async () => {
    const env = testEnv()
    expect((await cimNix(["eval", "1"], env)).code).toBe(0)
    const follower = spawn(process.execPath, [bundle, "events", "--follow", "--json", "--type", "ExpressionEvaluated"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    follower.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString()
    })
    /** The first `n` lines printed, waiting up to a minute for them. */
    const lines = async (n: number) => {
      for (let waited = 0; waited < 60_000; waited += 100) {
        const done = out.split("\n").filter((l) => l !== "")
        if (done.length >= n) return done.slice(0, n).map((l) => JSON.parse(l) as { type: string; position: number; payload: { expression: string } })
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error(`timed out waiting for ${n} lines: ${out}`)
    }
    try {
      const first = await lines(1)
      expect(first.map((e) => [e.type, e.position, e.payload.expression])).toEqual([["ExpressionEvaluated", 1, "1"]])
      expect((await cimNix(["eval", "2"], env)).code).toBe(0)
      const both = await lines(2)
      expect(both.map((e) => [e.type, e.position, e.payload.expression])).toEqual([
        ["ExpressionEvaluated", 1, "1"],
        ["ExpressionEvaluated", 2, "2"]
      ])
    } finally {
      follower.kill("SIGKILL")
    }
  })

  it("projections rebuild drops the read models and rebuilds them from the first event", async () => {
    const env = testEnv()
    expect((await cimNix(["eval", "1"], env)).code).toBe(0)
    expect((await cimNix(["eval", "2"], env)).code).toBe(0)
    const run = await cimNix(["projections", "rebuild", "--json"], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const rebuilt = JSON.parse(run.stdout)
    expect(rebuilt.position).toBe(2)
    expect(rebuilt.projections).toContain("event-log")
    expect((await storedEvents(env)).map((e) => e.position)).toEqual([1, 2])
    expect((await cimNix(["projections", "rebuild"], env)).stdout).toMatch(/^Rebuilt .*event-log.* up to event 2\.\n$/)
  })

  it("projections rebuild shows the events applied on a terminal, and nothing with --json", async () => {
    const env = testEnv()
    expect((await cimNix(["eval", "1"], env)).code).toBe(0)
    expect((await cimNix(["eval", "2"], env)).code).toBe(0)
    // `script` runs the CLI on a pseudo-terminal and prints what the terminal showed.
    const onTerminal = (args: ReadonlyArray<string>) =>
      new Promise<string>((resolve, reject) => {
        const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`
        const command = [process.execPath, bundle, ...args].map(quote).join(" ")
        execFile("script", ["-qec", command, "/dev/null"], { env: { ...baseEnv(), ...env }, timeout: 60_000 }, (error, stdout) =>
          error ? reject(error) : resolve(stdout))
      })
    const shown = await onTerminal(["projections", "rebuild"])
    expect(shown).toMatch(/rebuilding read models: 2\/2 events \(100%\)/)
    // The line is cleared before the result is printed.
    expect(shown).toMatch(/\r\u001b\[KRebuilt .*event-log.* up to event 2\./)
    const json = await onTerminal(["projections", "rebuild", "--json"])
    expect(JSON.parse(json).position).toBe(2)
    expect(json).not.toMatch(/rebuilding/)
  })
})
