import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cimNix } from "./cli.js"
import { storedEvents, testEnv, writeFlake } from "./testFlake.js"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

describe("cim-nix eval", { timeout: 180_000 }, () => {
  it("prints the value as nix eval --json does and records its digest and size, not the value", async () => {
    const env = testEnv()
    const expr = `{ a = 1 + 1; b = "xé"; c = [ true null 1.5 ]; }`
    const run = await cimNix(["eval", "--json", expr], env)
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const nix = execFileSync("nix", ["--extra-experimental-features", "nix-command flakes", "eval", "--json", "--expr", expr], { env: { ...process.env, ...env } }).toString()
    expect(run.stdout.trim()).toBe(nix.trim())
    const text = run.stdout.trim()
    const events = await storedEvents(env)
    expect(events.map((e) => [e.type, e.aggregateType, e.version])).toEqual([["ExpressionEvaluated", "Evaluation", 1]])
    const [event] = events
    expect(event!.aggregateId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/) // an evaluation of its own
    expect(event!.causationId).toBe(event!.correlationId)
    expect(event!.payload).toEqual({ expression: expr, resultSha256: sha256(text), resultBytes: Buffer.byteLength(text), durationMs: expect.any(Number) })
  })

  it("evaluates a file and an installable, each its own recorded evaluation", async () => {
    const env = testEnv()
    const flake = writeFlake({ hello: "echo hi > $out" })
    const file = join(flake.dir, "value.nix")
    writeFileSync(file, `{ answer = 6 * 7; }\n`)
    const fromFile = await cimNix(["eval", "--file", file], env)
    expect(fromFile.code).toBe(0)
    expect(JSON.parse(fromFile.stdout)).toEqual({ answer: 42 })
    const fromInstallable = await cimNix(["eval", "--json", "--installable", `${flake.ref}#hello.name`], env)
    expect(JSON.parse(fromInstallable.stdout)).toBe(`hello-${flake.nonce}`)
    const events = await storedEvents(env)
    expect(events.map((e) => [e.type, e.payload.expression, e.version])).toEqual([
      ["ExpressionEvaluated", file, 1],
      ["ExpressionEvaluated", `${flake.ref}#hello.name`, 1]
    ])
    expect(new Set(events.map((e) => e.aggregateId)).size).toBe(2)
  })

  it("fails with exit 3 on an evaluation error and exit 1 on bad input, recording nothing", async () => {
    const env = testEnv()
    const broken = await cimNix(["eval", "--json", "1 + undefinedThing"], env)
    expect(broken.code).toBe(3)
    expect(broken.stdout).toBe("")
    expect(broken.stderr).toMatch(/^error: .*undefined variable 'undefinedThing'/)
    expect(broken.stderr).toMatch(/hint: /)
    const none = await cimNix(["eval"], env)
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^error: nothing to evaluate/)
    const two = await cimNix(["eval", "--installable", "path:/tmp#x", "1"], env)
    expect(two.code).toBe(1)
    expect(two.stderr).toMatch(/give only one of/)
    const flagLike = await cimNix(["eval", "--installable", "path:/tmp#a^"], env)
    expect(flagLike.code).toBe(1)
    expect(await storedEvents(env)).toEqual([])
  })

  it("stops an evaluation that outlives --timeout (exit 3) and records nothing", async () => {
    const env = testEnv()
    expect((await cimNix(["eval", "1"], env)).code).toBe(0)
    // Reading a FIFO no one writes to blocks the evaluation for good.
    const fifo = join(mkdtempSync(join(tmpdir(), "cim-nix-fifo-")), "never")
    execFileSync("mkfifo", [fifo])
    const started = Date.now()
    const run = await cimNix(["eval", "--timeout", "2", "--impure", `builtins.readFile "${fifo}"`], env)
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(run.code).toBe(3)
    expect(run.stdout).toBe("")
    expect(run.stderr).toMatch(/^error: nix timed out after 2s/)
    expect((await storedEvents(env)).map((e) => e.payload.expression)).toEqual(["1"])
  })
})
