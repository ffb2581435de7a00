/**
 * `cim-nix search <regex> [--flake REF] [--refresh]`: the packages of a flake (default: the one
 * in the current directory) whose attribute path, pname or description matches, from the search
 * index read model; the index is built with one `nix search` on first use or with `--refresh`.
 * `--json` prints `{ flake, hits: [{ attrPath, pname, version, description }], indexed,
 * refreshedAt, refreshed }`; otherwise a table.
 */
import { Args, Command, Options } from "@effect/cli"
import { DateTime, Effect } from "effect"
import type { SearchNixPackages } from "@cim-nix/application"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"
import { absolutize } from "./Build.js"

const regex = Args.text({ name: "regex" }).pipe(Args.withDescription("Regular expression (case-insensitive) over attribute paths, names and descriptions; '^' for all."))
const flake = Options.text("flake").pipe(Options.withDescription("The flake to search (default: the current directory)."), Options.withDefault("."))
const refresh = Options.boolean("refresh").pipe(Options.withDescription("Rebuild the flake's index first (after the flake changed)."))

const human = (found: SearchNixPackages.Found) => [
  ...(found.hits.length === 0
    ? ["No packages match."]
    : Output.table(["ATTRIBUTE", "VERSION", "DESCRIPTION"], found.hits.map((h) => [h.attrPath, h.version, h.description]))),
  Output.dim(`${found.hits.length} of ${found.indexed} packages; index of ${DateTime.formatIso(found.refreshedAt)}${found.refreshed ? " (just built)" : ""}`)
]

/** The `search` command. */
export const command = Command.make("search", { ...GlobalOptions.all, regex, flake, refresh }, ({ regex, flake, refresh, ...global }) =>
  Effect.flatMap(Application.load, (App) =>
    App.SearchNixPackages.handle(App.SearchNixPackages.SearchNixPackages.make({ flake: absolutize(flake, process.cwd()), regex, ...(refresh ? { refresh } : {}) }))).pipe(
    Effect.flatMap((found) =>
      global.json ? Output.print(true, { ...found, refreshedAt: DateTime.formatIso(found.refreshedAt) }, () => []) : Output.print(false, found, human)
    ),
    Runtime.runCommand(global)
  )
).pipe(Command.withDescription("Search a flake's packages by regular expression, from an index built once with nix search."))
