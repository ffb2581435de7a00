/**
 * Shell completion scripts (`cim-nix --completions bash|zsh|fish|sh`) are written by
 * @effect/cli. Its bash script spells the program `cim-nix` where it starts and `cim__nix` where
 * it matches words, and matches nested subcommands as `cim__nix,flake,add__input` where it has
 * reached `cim__nix__flake` and the user typed `add-input`: only the first word would complete.
 * `repairBash` rewrites those lines so that every level completes.
 */
import type { Effect } from "effect"
import * as Output from "./Output.js"

const program = "cim-nix"
const ident = program.replaceAll("-", "__")

/** The bash completion script with its command matching repaired (other text is left alone). */
export const repairBash = (script: string): string =>
  script
    .replace(`cmd="${program}"`, `cmd="${ident}"`)
    .replace(new RegExp(`^(\\s+)${program}\\)$`, "m"), `$1${ident})`)
    .replace(new RegExp(`^(\\s+)(${ident}(?:,\\w+)+)\\)$`, "gm"), (_line, indent: string, path: string) => {
      const words = path.split(",")
      const typed = words.pop()!.replaceAll("__", "-")
      return `${indent}${words.join("__")},${typed})`
    })

/** Whether the command line asks for the bash script. */
const wantsBash = (argv: ReadonlyArray<string>) => {
  const at = argv.indexOf("--completions")
  return at >= 0 && (argv[at + 1] === "bash" || argv[at + 1] === "sh")
}

/** Runs the command line with the bash completion script repaired as it is printed. */
export const repairingBash = (argv: ReadonlyArray<string>) =>
  wantsBash(argv) ? Output.rewritingLogs((args) => args.map((a) => (typeof a === "string" ? repairBash(a) : a))) : <A, E, R>(effect: Effect.Effect<A, E, R>) => effect
