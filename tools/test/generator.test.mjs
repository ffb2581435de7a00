// Runs `nx g @cim-nix/tools:adapter` in a scratch copy of the workspace (root configs, tools,
// domain and application with their built dist/, dependencies linked to this checkout's) and
// checks what it makes: a package that builds and type-checks, whose test runs the port's
// contract suite and fails on every case with the stub's "not implemented" message. The
// refusals are checked by calling the generator on an Nx file tree of the same scratch copy.
import { execFile } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..", "..")
const scratch = mkdtempSync(join(tmpdir(), "cim-nix-generator-"))
const env = { ...process.env, NX_DAEMON: "false", NX_NO_CLOUD: "true", NX_TUI: "false", NX_INTERACTIVE: "false", FORCE_COLOR: "0", NO_COLOR: "1" }

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, "")

/** Runs node with `args` in the scratch workspace; resolves to the exit code and the output. */
const node = async (args, cwd = scratch) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd, env, timeout: 180_000, maxBuffer: 64 << 20 })
    return { code: 0, output: plain(`${stdout}${stderr}`) }
  } catch (error) {
    if (typeof error.code !== "number") throw error
    return { code: error.code, output: plain(`${error.stdout}${error.stderr}`) }
  }
}

const require = createRequire(import.meta.url)
const { FsTree } = require("nx/src/generators/tree")
const adapterGenerator = require("../generators/adapter/generator.cjs")

const skip = (src) => !/\/(node_modules|out-tsc|\.nx)(\/|$)/.test(src)

/**
 * Links the dependencies of the package in `dir` as pnpm install would: workspace packages to
 * their scratch copies, the others to where this checkout's package `from` has them.
 */
const linkDependencies = (dir, from) => {
  const { dependencies } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  for (const name of Object.keys(dependencies)) {
    const target = name.startsWith("@cim-nix/")
      ? join(scratch, "packages", name.slice("@cim-nix/".length))
      : realpathSync(join(from, "node_modules", name))
    mkdirSync(join(dir, "node_modules", name, ".."), { recursive: true })
    symlinkSync(target, join(dir, "node_modules", name))
  }
}

beforeAll(() => {
  for (const file of ["package.json", "nx.json", "pnpm-workspace.yaml", "tsconfig.base.json", "eslint.config.mjs"]) {
    cpSync(join(root, file), join(scratch, file))
  }
  cpSync(join(root, "tools"), join(scratch, "tools"), { recursive: true, filter: skip })
  for (const name of ["domain", "application"]) {
    cpSync(join(root, "packages", name), join(scratch, "packages", name), { recursive: true, filter: skip })
    linkDependencies(join(scratch, "packages", name), join(root, "packages", name))
  }
  symlinkSync(join(root, "node_modules"), join(scratch, "node_modules"))
})

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("nx g @cim-nix/tools:adapter", () => {
  it("scaffolds an adapter whose contract test runs and fails until it is implemented", async () => {
    const nx = join(root, "node_modules/nx/dist/bin/nx.js")
    const generated = await node([nx, "g", "@cim-nix/tools:adapter", "event-store-probe", "--port", "event-store", "--skipInstall"])
    expect(generated.output, generated.output).toContain("CREATE packages/adapter-event-store-probe/src/ProbeEventStore.ts")
    expect(generated.code).toBe(0)

    const dir = join(scratch, "packages/adapter-event-store-probe")
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
    expect([manifest.name, manifest.nx.tags, manifest.dependencies["@cim-nix/application"]])
      .toEqual(["@cim-nix/adapter-event-store-probe", ["layer:adapter"], "workspace:*"])
    expect(manifest.exports["."]["@cim-nix/source"]).toBe("./src/index.ts")
    expect(JSON.stringify(manifest.publishConfig.exports)).not.toContain("@cim-nix/source")
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("# @cim-nix/adapter-event-store-probe")

    linkDependencies(dir, join(root, "packages/application"))
    // The library, then the test against its declarations (domain and application: their dist/).
    for (const args of [["-p", "tsconfig.lib.json"], ["-p", "tsconfig.spec.json", "--noEmit"]]) {
      const checked = await node([join(root, "node_modules/typescript/bin/tsc"), ...args], dir)
      expect(checked.output).toBe("")
    }

    const tested = await node([join(root, "node_modules/vitest/vitest.mjs"), "run"], dir)
    expect(tested.code).toBe(1)
    expect(tested.output).toContain("EventStore contract: probe")
    expect(tested.output).toContain("@cim-nix/adapter-event-store-probe: ProbeEventStore.layer is not implemented yet")
    const [, failed, total] = /Tests\s+(\d+) failed \((\d+)\)/.exec(tested.output) ?? []
    expect(Number(failed)).toBeGreaterThan(0)
    expect(failed).toBe(total)
  }, 240_000)

  it("refuses a port without a contract suite, a name that is not kebab case and an existing package", () => {
    const generate = (options) => () => adapterGenerator(new FsTree(scratch, false), options)
    expect(generate({ name: "nope", port: "nix-store" })).toThrow(/no contract suite for the port "nix-store".*Ports with one: .*event-store/)
    expect(generate({ name: "Not_Kebab", port: "event-store" })).toThrow(/"Not_Kebab" is not kebab case/)
    expect(generate({ name: "../domain", port: "event-store" })).toThrow(/is not kebab case/)
    expect(generate({ name: "x", port: "event-store", module: "lower" })).toThrow(/"lower" is not PascalCase/)
    mkdirSync(join(scratch, "packages/adapter-taken"))
    writeFileSync(join(scratch, "packages/adapter-taken/README.md"), "someone's work\n")
    expect(generate({ name: "taken", port: "event-store" })).toThrow(/packages\/adapter-taken exists already/)
  })
})
