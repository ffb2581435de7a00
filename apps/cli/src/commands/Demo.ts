/**
 * `cim-nix demo [--dir D]`: the tour of cim-nix on real Nix, offline. Runs the commands a user
 * would type, in this process and through the same command tree: creates a package flake and a
 * local input flake, adds and locks the input, checks the flake, builds the package (with live
 * progress on a terminal) and runs it, evaluates an expression, writes a module and an overlay,
 * creates and activates a configuration on a profile inside the directory, then shows the
 * generations, the input graph, the flake and the event log. A failing step stops the demo with
 * that step's error and exit code; what earlier steps recorded stays recorded.
 *
 * The directory must be new or empty. `--json` prints one document: the directory, the event store, and each step's command line
 * with the JSON that step printed.
 */
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { ValidationError } from "@cim-nix/domain"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

/** Runs one `cim-nix` command line (without the program name) through the command tree. */
export type RunArgs<R> = (args: ReadonlyArray<string>) => Effect.Effect<void, unknown, R>

/** One step of `demo --json`: the command line and what it printed (parsed JSON). */
export interface Step {
  readonly command: string
  readonly output: unknown
}

const dirOption = Options.directory("dir", { exists: "either" }).pipe(
  Options.withDescription("Where to create the demo's flakes, build result and profile (default: a new directory under the temp dir)."),
  Options.optional
)

/** The demo's command lines, in order, for a run in `dir`; `name` keeps module and overlay names unique per run. */
export const script = (dir: string, name: string): ReadonlyArray<ReadonlyArray<string>> => [
  ["doctor"],
  ["flake", "create", Path.join(dir, "greeting"), "--template", "package", "--description", "a local input"],
  ["flake", "create", Path.join(dir, "app"), "--template", "package", "--description", "the demo application"],
  ["flake", "add-input", Path.join(dir, "app"), "greeting", `path:${Path.join(dir, "greeting")}`],
  ["flake", "check", Path.join(dir, "app")],
  ["build", `path:${Path.join(dir, "app")}`, "--out-link", Path.join(dir, "result")],
  ["eval", `builtins.concatStringsSep ", " [ "cim" "nix" ]`],
  ["module", "create", Path.join(dir, "modules", "greeter.nix"), "--name", name, "--option", "services.greeter.enable:bool=false", "--option", "services.greeter.port:port=8080"],
  ["overlay", "create", Path.join(dir, "overlays", "greeter.nix"), "--name", name, "--add", "greeter=./pkgs/greeter.nix"],
  ["config", "create", Path.join(dir, "fleet"), "--host", "demo-host"],
  ["config", "activate", Path.join(dir, "fleet"), "--host", "demo-host", "--mode", "switch", "--profile", Path.join(dir, "profiles", "system")],
  ["config", "generations", "--profile", Path.join(dir, "profiles", "system")],
  ["flake", "graph", Path.join(dir, "app"), "--format", "mermaid"],
  ["flake", "show", Path.join(dir, "app")],
  ["events", "--limit", "50"]
]

/** The global options a step inherits from the demo (the event store, timeout, verbosity). */
const inherited = (global: GlobalOptions.Global): ReadonlyArray<string> => [
  ...Option.match(global.eventStore, { onNone: () => [], onSome: (url) => ["--event-store", url] }),
  "--timeout",
  String(global.timeout),
  ...(global.verbose ? ["--verbose"] : [])
]

/** Runs `effect` with `Console.log` collected instead of printed; returns what it logged. */
const captured = <E, R>(effect: Effect.Effect<void, E, R>) =>
  Console.consoleWith((base) => {
    const lines: Array<string> = []
    const collecting: Console.Console = { ...base, log: (...args) => Effect.sync(() => void lines.push(args.map(String).join(" "))) }
    return effect.pipe(Effect.withConsole(collecting), Effect.map(() => lines.join("\n")))
  })

/** What the program the demo built prints (its `bin/hello`). */
const runBuilt = (dir: string) => Effect.sync(() => execFileSync(Path.join(dir, "result", "bin", "hello"), { encoding: "utf8" }).trim())

/** The `demo` command; `run` runs a command line through the root command (given by Cli.ts, which holds the tree). */
export const make = <R>(run: RunArgs<R>) =>
  Command.make("demo", { ...GlobalOptions.all, dir: dirOption }, ({ dir, ...global }) =>
    Effect.gen(function* () {
      const root = Option.match(dir, { onNone: () => mkdtempSync(Path.join(tmpdir(), "cim-nix-demo-")), onSome: (d) => Path.resolve(d) })
      if (existsSync(root) && readdirSync(root).length > 0) {
        return yield* new ValidationError({
          field: "dir",
          message: `${root} is not empty`,
          hint: "Give the demo a new or empty directory (--dir), or leave --dir out for a fresh one under the temp dir."
        })
      }
      mkdirSync(root, { recursive: true })
      const steps = script(root, `greeter-${Date.now().toString(36)}`)
      const store = yield* Effect.map(Runtime.eventStoreUrl(global), Runtime.displayUrl)
      const results: Array<Step> = []
      for (const args of steps) {
        const line = ["cim-nix", ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ")
        const argv = ["node", "cim-nix", ...args, ...inherited(global)]
        if (global.json) {
          const printed = yield* captured(run([...argv, "--json"]))
          results.push({ command: line, output: JSON.parse(printed) })
        } else {
          yield* Console.log(`\n${Output.bold(`$ ${line}`)}`)
          yield* run(argv)
        }
        if (args[0] === "build") {
          const greeting = yield* runBuilt(root)
          if (!global.json) yield* Console.log(`${Output.dim(`$ ${Path.join(root, "result", "bin", "hello")}`)}\n${greeting}`)
          else results.push({ command: Path.join(root, "result", "bin", "hello"), output: greeting })
        }
      }
      yield* Output.print(global.json, { dir: root, eventStore: store, steps: results }, () => [
        "",
        `Everything the demo made is in ${root}; the events are in ${store}.`
      ])
    })
  ).pipe(
    Command.withDescription(
      "Tour cim-nix offline on real Nix: create, lock, check and build a flake, evaluate, write a module and an overlay, activate a configuration on a profile in --dir, and show the graph and the event log."
    )
  )
