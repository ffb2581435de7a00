/**
 * Helpers of the integration tests: temporary directories and flakes made of plain
 * `derivation`s with `/bin/sh` builders (no nixpkgs), the adapter configured for an offline
 * machine, and a look at /proc for processes left behind.
 */
import type { Nix } from "@cim-nix/application"
import { FlakeRef, Installable } from "@cim-nix/domain"
import type { Layer } from "effect"
import { Effect, Either } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { NixCli } from "../../src/index.js"

/** Unique per test run, so that every run really builds. */
export const runId = `${process.pid}-${Date.now().toString(36)}`

/** No binary cache: offline machines would otherwise retry cache.nixos.org for seconds per call. */
export const offline = { NIX_CONFIG: "substituters =" }

/** The adapter as the tests use it. */
export const layer: Layer.Layer<Nix.Nix> = NixCli.layerWith({ env: offline, timeout: "2 minutes" })

export const tempDir = (prefix: string): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), `cim-nix-${prefix}-`))

/** A `derivation` whose builder runs `script` with /bin/sh. */
export const drv = (name: string, script: string): string =>
  `derivation { name = "${name}"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" ${JSON.stringify(script)} ]; }`

/** Writes `flake.nix` with the given text into a new temporary directory; returns the directory. */
export const writeFlake = (prefix: string, text: string, dir = tempDir(prefix)): string => {
  Fs.mkdirSync(dir, { recursive: true })
  Fs.writeFileSync(Path.join(dir, "flake.nix"), text)
  return dir
}

export const pathRef = (dir: string): FlakeRef.FlakeRef => FlakeRef.unsafeMake({ type: "path", path: dir })

export const installable = (text: string): Installable.Installable => {
  const parsed = Installable.parseEither(text)
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  return parsed.right
}

/** Pids of the processes whose command line contains `marker`. */
export const processesWith = (marker: string): ReadonlyArray<number> =>
  Fs.readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)
      } catch {
        return false
      }
    })
    .map(Number)

/**
 * Pids of the processes with `marker` still alive after up to `withinMs`: a killed process group
 * takes a moment to disappear from /proc on a loaded machine; a surviving one stays for minutes.
 */
export const processesLeft = (marker: string, withinMs = 3_000): Effect.Effect<ReadonlyArray<number>> =>
  Effect.promise(async () => {
    const deadline = Date.now() + withinMs
    let left = processesWith(marker)
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      left = processesWith(marker)
    }
    return left
  })

/**
 * A directory of wrappers for the Nix programs that log each call (one line per process) to
 * `log` and then run the real program: proves how many processes an operation spawned.
 */
export const countingBinDir = (realBinDir: string): { readonly dir: string; readonly calls: () => ReadonlyArray<string> } => {
  const dir = tempDir("counting")
  const log = Path.join(dir, "calls.log")
  Fs.writeFileSync(log, "")
  for (const program of ["nix", "nix-instantiate", "nix-build", "nix-store", "nix-env", "nix-collect-garbage"]) {
    Fs.writeFileSync(
      Path.join(dir, program),
      `#!/bin/sh\necho "${program} $*" | tr '\\n' ' ' >> '${log}'\necho >> '${log}'\nexec '${Path.join(realBinDir, program)}' "$@"\n`,
      { mode: 0o755 }
    )
  }
  return { dir, calls: () => Fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") }
}
