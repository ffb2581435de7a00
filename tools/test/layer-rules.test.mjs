// Proves the layer rules of ARCHITECTURE.md: a deliberately bad import in each layer is
// reported by lint (the same configuration `nx run-many -t lint` uses), a good one is not.
import { ESLint } from "eslint"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..", "..")

/** Lints `code` as if it were the file `file` (relative to the repo root) of its package. */
const lint = async (file, code) => {
  const project = file.split("/").slice(0, 2).join("/")
  const eslint = new ESLint({ cwd: join(root, project) })
  const [result] = await eslint.lintText(code, { filePath: join(root, file) })
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`)
}

const cases = [
  ["packages/domain/src/Probe.ts", `import * as fs from "node:fs"`, /no-restricted-imports.*pure/],
  ["packages/domain/src/Probe.ts", `import { readFile } from "fs"`, /no-restricted-imports.*pure/],
  ["packages/domain/src/Probe.ts", `import { FileSystem } from "@effect/platform"`, /imports only `effect`|not allowed to import "@effect\/platform"/],
  ["packages/domain/src/Probe.ts", `import { NodeContext } from "@effect/platform-node"`, /imports only `effect`|not allowed/],
  ["packages/domain/src/Probe.ts", `import * as App from "@cim-nix/application"`, /imports only `effect`|not allowed/],
  ["packages/domain/src/Probe.ts", `export const load = () => import("node:fs")`, /no-restricted-syntax.*dynamically too/],
  ["packages/domain/src/Probe.ts", `export const load = () => import("@effect/platform")`, /no-restricted-syntax.*dynamically too/],
  ["packages/domain/src/Probe.ts", `export const load = (name: string) => import(name)`, /no-restricted-syntax.*dynamically too/],
  ["packages/domain/src/Probe.ts", `declare const require: (id: string) => unknown\nexport const fs = require("fs")`, /no-restricted-syntax.*dynamically too/],
  ["packages/application/src/Probe.ts", `import * as NixCli from "@cim-nix/adapter-nix-cli"`, /must not import an adapter|not allowed/],
  ["packages/application/src/Probe.ts", `import * as Cli from "@cim-nix/cli"`, /must not import an adapter or an app|not allowed/],
  ["packages/application/src/Probe.ts", `import { spawn } from "node:child_process"`, /I\/O belongs in an adapter/],
  ["packages/adapter-nix-cli/src/Probe.ts", `import * as Sqlite from "@cim-nix/adapter-event-store-sqlite"`, /never another adapter|not allowed/],
  ["packages/adapter-filesystem/src/Probe.ts", `import * as Server from "@cim-nix/server"`, /never another adapter or an app|not allowed/]
]

describe("layer rules", () => {
  it.each(cases)("%s: `%s` is reported", async (file, code, expected) => {
    const messages = await lint(file, `${code}\nexport const probe = 1\n`)
    expect(messages.join("\n")).toMatch(expected)
  })

  it.each([
    ["packages/domain/src/Probe.ts", `import { Effect } from "effect"\nexport const probe = Effect.void`],
    ["packages/domain/src/Probe.ts", `export const load = () => [import("effect"), import("effect/Schema")]`],
    ["packages/application/src/Probe.ts", `import { NixVersion } from "@cim-nix/domain"\nexport const probe = NixVersion.parse`],
    ["packages/adapter-nix-cli/src/Probe.ts", `import { NixVersion } from "@cim-nix/domain"\nimport { spawn } from "node:child_process"\nexport const probe = [NixVersion.parse, spawn]`]
  ])("%s: allowed imports pass", async (file, code) => {
    expect(await lint(file, `${code}\n`)).toEqual([])
  })
})
