import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { join } from "node:path"

const bundle = join(import.meta.dirname, "..", "dist", "cim-nix-server.mjs")

describe("cim-nix-server (bundled)", () => {
  it("listens on 127.0.0.1 and answers /healthz", async () => {
    const child = spawn(process.execPath, [bundle], { env: { ...process.env, CIM_NIX_PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] })
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer]
      const url = /listening on (http:\/\/[^\s]+)/.exec(line.toString())?.[1]
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(`${url}/healthz`)
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ status: "ok" })
      expect((await fetch(`${url}/nope`)).status).toBe(404)
    } finally {
      child.kill("SIGTERM")
    }
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null]
    expect(code === 0 || signal === "SIGTERM").toBe(true)
  })
})
