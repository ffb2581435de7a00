import { describe, expect, it } from "@effect/vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { NixVersion } from "@cim-nix/domain"
import { freePort } from "../../../tools/vitest/freePort.mjs"
import { cimNix, stateDir } from "./cli.js"

describe("cim-nix doctor", () => {
  it("reports a usable machine as one JSON object and exits 0", async () => {
    const state = stateDir()
    const run = await cimNix(["doctor", "--json"], { XDG_STATE_HOME: state })
    expect(run.stderr).toBe("")
    const report = JSON.parse(run.stdout)
    expect(run.code).toBe(0)
    expect(report.ok).toBe(true)
    expect(report.node).toBe(process.versions.node)
    expect(report.nix).toMatchObject({ found: true, variant: "nix", experimentalFeatures: true, storeWritable: true })
    expect(report.nix.version).toMatch(/^2\.\d+/)
    const version = Effect.runSync(NixVersion.parse(`nix (Nix) ${report.nix.version}`))
    expect(report.nix.capabilities).toEqual(NixVersion.capabilities(version))
    expect(report.eventStore).toMatchObject({ url: `sqlite:${join(state, "cim-nix", "events.sqlite")}`, ok: true, position: 0 })
    expect(report.problems).toEqual([])
  })

  it("exits 1 and says how to install nix when nix is not on PATH", async () => {
    const run = await cimNix(["doctor", "--json"], { PATH: "/nonexistent", XDG_STATE_HOME: stateDir() })
    const report = JSON.parse(run.stdout)
    expect(run.code).toBe(1)
    expect(report.ok).toBe(false)
    expect(report.nix.found).toBe(false)
    expect(report.problems[0].check).toBe("nix")
    expect(report.problems[0].fix).toMatch(/nix-bin|tools\/setup\.sh/)
    const human = await cimNix(["doctor"], { PATH: "/nonexistent", XDG_STATE_HOME: stateDir() })
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(/nix +not found/)
    expect(human.stdout).toMatch(/fix: .*(nix-bin|tools\/setup\.sh)/)
  })

  it("uses --event-store over CIM_NIX_EVENT_STORE, and reports a store that cannot open", async () => {
    const state = stateDir()
    const flag = await cimNix(["doctor", "--json", "--event-store", `sqlite:${state}/flag.sqlite`], { CIM_NIX_EVENT_STORE: `sqlite:${state}/env.sqlite` })
    expect(JSON.parse(flag.stdout).eventStore.url).toBe(`sqlite:${state}/flag.sqlite`)
    const env = await cimNix(["doctor", "--json"], { CIM_NIX_EVENT_STORE: `sqlite:${state}/env.sqlite` })
    expect(JSON.parse(env.stdout).eventStore.url).toBe(`sqlite:${state}/env.sqlite`)
    const notADirectory = join(state, "file")
    writeFileSync(notADirectory, "")
    const broken = await cimNix(["doctor", "--json", "--event-store", `sqlite:${notADirectory}/events.sqlite`])
    const report = JSON.parse(broken.stdout)
    expect(broken.code).toBe(1)
    expect(report.eventStore.ok).toBe(false)
    expect(report.problems.map((p: { check: string }) => p.check)).toEqual(["event-store"])
  })

  it("never prints the password of a PostgreSQL event store URL", async () => {
    const run = await cimNix(["doctor", "--json", "--event-store", "postgres://cim:s3cret@127.0.0.1:1/events"])
    expect(run.code).toBe(1)
    expect(run.stdout + run.stderr).not.toContain("s3cret")
    expect(JSON.parse(run.stdout).eventStore).toMatchObject({ kind: "Postgres", ok: false, url: "postgres://cim@127.0.0.1:1/events" })
  })

  it("--help names every kind of event store URL", async () => {
    const help = (await cimNix(["doctor", "--help"])).stdout.replace(/\s+/g, " ")
    expect(help).toContain("Event store: sqlite:<path>, nats://host:port or postgres://user[:password]@host:port/database")
  })

  it("rejects an invalid event store URL as a usage problem with a hint", async () => {
    const run = await cimNix(["doctor", "--event-store", "mysql://x"])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/invalid event store "mysql:\/\/x"/)
    expect(run.stderr).toMatch(/hint: Use sqlite:<path/)
  })
})

describe("cim-nix doctor with NATS", () => {
  it("reports whether the configured NATS server answers", async () => {
    const port = await freePort()
    const down = await cimNix(["doctor", "--json", "--event-store", `nats://127.0.0.1:${port}`])
    expect(down.code).toBe(1)
    expect(JSON.parse(down.stdout).eventStore).toMatchObject({ kind: "Nats", ok: false })

    const { spawn } = await import("node:child_process")
    const server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", stateDir()], {
      stdio: "ignore",
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` }
    })
    try {
      const { connect } = await import("node:net")
      const listening = () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(port, "127.0.0.1", () => {
            resolve(true)
            socket.end()
          }).on("error", () => resolve(false))
        })
      for (let i = 0; i < 100 && !(await listening()); i++) await new Promise((r) => setTimeout(r, 100))
      const up = await cimNix(["doctor", "--json", "--event-store", `nats://127.0.0.1:${port}`])
      expect(JSON.parse(up.stdout).eventStore).toMatchObject({ url: `nats://127.0.0.1:${port}`, kind: "Nats", ok: true, position: 0 })
      expect(up.code).toBe(0)
    } finally {
      server.kill("SIGKILL")
    }
  })
})
