import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { cimNix, stateDir } from "./cli.js"
import { storedEvents } from "./store.js"

const env = { NIX_CONFIG: "substituters =" }

interface Step {
  readonly command: string
  readonly output: any
}

describe("cim-nix demo", () => {
  it("runs the tour offline and prints each step's JSON: the flake is locked, checked and built, and every step's events are recorded", { timeout: 240_000 }, async () => {
    const state = stateDir()
    const dir = join(state, "demo")
    const run = await cimNix(["demo", "--dir", dir, "--json"], { ...env, XDG_STATE_HOME: state })
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as { dir: string; eventStore: string; steps: ReadonlyArray<Step> }
    expect(report.dir).toBe(dir)
    expect(report.eventStore).toBe(`sqlite:${join(state, "cim-nix", "events.sqlite")}`)
    const step = (prefix: string) => {
      const found = report.steps.find((s) => s.command.startsWith(prefix))
      if (found === undefined) throw new Error(`no step ${prefix} in ${report.steps.map((s) => s.command).join("; ")}`)
      return found.output
    }

    expect(step("cim-nix doctor").ok).toBe(true)
    const lock = JSON.parse(readFileSync(join(dir, "app", "flake.lock"), "utf8"))
    expect(lock.nodes.greeting.locked.path).toBe(join(dir, "greeting"))
    expect(step("cim-nix flake check").passed).toContain("packages.x86_64-linux.default")
    expect(step("cim-nix flake check").failed).toStrictEqual([])

    const [built] = step("cim-nix build")
    expect(readlinkSync(join(dir, "result"))).toBe(built.outputs.out)
    expect(step(join(dir, "result", "bin", "hello"))).toBe(execFileSync(join(built.outputs.out, "bin", "hello"), { encoding: "utf8" }).trim())
    expect(step("cim-nix eval")).toBe("cim, nix")
    expect(existsSync(join(dir, "modules", "greeter.nix"))).toBe(true)
    expect(existsSync(join(dir, "overlays", "greeter.nix"))).toBe(true)
    expect(step("cim-nix config generations").generations.map((g: { number: number }) => g.number)).toStrictEqual([1])
    expect(step("cim-nix flake graph").edges.map((e: { to: string }) => e.to)).toContain("greeting")

    const stored = await storedEvents(join(state, "cim-nix", "events.sqlite"))
    expect(stored.map((e) => e.type)).toStrictEqual([
      "FlakeCreated", "FlakeChecked", "FlakeCreated", "FlakeChecked", "FlakeInputAdded", "FlakeUpdated", "FlakeChecked",
      "PackageBuilt", "ExpressionEvaluated", "ModuleCreated", "OverlayCreated", "ConfigurationCreated", "ConfigurationActivated"
    ])
    expect(step("cim-nix events").map((e: { eventId: string }) => e.eventId)).toStrictEqual(stored.map((e) => e.eventId))
  })

  it("shows each command line and where everything is, for a human", { timeout: 240_000 }, async () => {
    const state = stateDir()
    const dir = join(state, "demo")
    const run = await cimNix(["demo", "--dir", dir], { ...env, XDG_STATE_HOME: state })
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`$ cim-nix flake add-input ${join(dir, "app")} greeting path:${join(dir, "greeting")}`)
    expect(run.stdout).toContain(`$ cim-nix eval 'builtins.concatStringsSep ", " [ "cim" "nix" ]'\n"cim, nix"`)
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(
      `Everything the demo made is in ${dir}; the events are in sqlite:${join(state, "cim-nix", "events.sqlite")}.`
    )
  })

  it("refuses a directory that is not empty (exit 1), touching nothing and recording nothing", async () => {
    const state = stateDir()
    const dir = join(state, "busy")
    mkdirSync(dir)
    writeFileSync(join(dir, "keep.txt"), "mine")
    const run = await cimNix(["demo", "--dir", dir], { ...env, XDG_STATE_HOME: state })
    expect(run.code).toBe(1)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain(`${dir} is not empty`)
    expect(run.stderr).toContain("hint: Give the demo a new or empty directory")
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("mine")
    expect(existsSync(join(state, "cim-nix", "events.sqlite"))).toBe(false)
  })
})
