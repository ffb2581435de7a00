// tools/vitest/reaper.mjs: what a killed test run leaves behind is cleaned up once its process
// has gone, and nothing is touched when the teardown already ran; the throwaway PostgreSQL
// server of the global setup goes with a killed run.
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { answers } from "../vitest/postgres.mjs"

const vitestDir = join(import.meta.dirname, "..", "vitest")
const scratch = []
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const until = async (condition, ms) => {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if (await condition()) return true
  }
  return condition()
}

/** Runs `body` (ES module code) in a child node process; resolves with its first line of output and the child. */
const child = async (body) => {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-reaper-test-"))
  scratch.push(dir)
  const file = join(dir, "child.mjs")
  writeFileSync(file, body)
  const proc = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "inherit"] })
  const line = await new Promise((resolve, reject) => {
    let out = ""
    proc.stdout.on("data", (chunk) => {
      out += chunk
      if (out.includes("\n")) resolve(out.split("\n")[0])
    })
    proc.once("exit", (code) => reject(new Error(`the child exited with ${code} before it printed anything`)))
  })
  return { proc, line, dir }
}

const sleeper = (guarded) => `
import { spawn } from "node:child_process"
import { mkdirSync, rmSync } from "node:fs"
import { reapWhenGone, shellQuote } from ${JSON.stringify(join(vitestDir, "reaper.mjs"))}
const guard = ${JSON.stringify(guarded)}
mkdirSync(guard, { recursive: true })
const sleep = spawn("sleep", ["300"], { detached: true, stdio: "ignore" })
sleep.unref()
reapWhenGone(\`if [ -d \${shellQuote(guard)} ]; then kill \${sleep.pid}; fi\`)
process.stdout.write(sleep.pid + "\\n")
setInterval(() => {}, 1000)
`

describe("tools/vitest/reaper.mjs", () => {
  it("runs the cleanup once a killed process has gone, and only then", async () => {
    const guard = mkdtempSync(join(tmpdir(), "cim-nix-reaper-guard-"))
    scratch.push(guard)
    const { proc, line } = await child(sleeper(guard))
    const pid = Number(line)
    await new Promise((r) => setTimeout(r, 1500))
    expect(alive(pid)).toBe(true)
    proc.kill("SIGKILL")
    expect(await until(() => !alive(pid), 5000)).toBe(true)
  }, 15_000)

  it("leaves everything alone when the teardown already removed what the cleanup is guarded on", async () => {
    const guard = mkdtempSync(join(tmpdir(), "cim-nix-reaper-guard-"))
    const { proc, line } = await child(sleeper(guard))
    const pid = Number(line)
    try {
      rmSync(guard, { recursive: true, force: true })
      proc.kill("SIGKILL")
      await new Promise((r) => setTimeout(r, 2500))
      expect(alive(pid)).toBe(true)
    } finally {
      process.kill(pid, "SIGKILL")
    }
  }, 15_000)

  it("stops and removes the throwaway PostgreSQL server of a test run that is killed", async () => {
    const { proc, line } = await child(`
import { startServer } from ${JSON.stringify(join(vitestDir, "postgres.mjs"))}
const server = await startServer()
process.stdout.write(JSON.stringify({ url: server.url, dir: server.dir }) + "\\n")
setInterval(() => {}, 1000)
`)
    const server = JSON.parse(line)
    expect(await answers(server.url)).toBe(true)
    proc.kill("SIGKILL")
    expect(await until(async () => !(await answers(server.url)) && !existsSync(server.dir), 20_000)).toBe(true)
  }, 90_000)
})
