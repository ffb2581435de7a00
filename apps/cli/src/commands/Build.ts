/**
 * `cim-nix build <installable>... [--out-link P | --no-link]`: builds the installables in one
 * `nix build` call and records each build. `--json` prints one entry per installable
 * (`installable`, `drvPath`, `outputs`, `startTime`, `stopTime` in epoch seconds as Nix writes
 * them, `alreadyValid`, and the ids of the `events` recorded for it); on a terminal, without
 * `--json`, live progress is drawn on stderr.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as Path from "node:path"
import * as Ids from "@cim-nix/application/Ids"
import { EventEnvelope, StorePath, ValidationError } from "@cim-nix/domain"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Progress from "../Progress.js"
import * as Runtime from "../Runtime.js"

/** One entry of `build --json`. */
export interface Entry {
  readonly installable: string
  readonly drvPath: string
  readonly outputs: Readonly<Record<string, string>>
  readonly startTime: number
  readonly stopTime: number
  readonly alreadyValid: boolean
  readonly events: ReadonlyArray<string>
}

const installables = Args.text({ name: "installable" }).pipe(
  Args.withDescription("What to build: <flakeref>#<attrpath>, e.g. path:/src/app#hello or .#default."),
  Args.atLeast(1)
)
const outLink = Options.text("out-link").pipe(
  Options.withAlias("o"),
  Options.withDescription("Link the outputs at this path (result-style symlinks; further ones get -<n>)."),
  Options.optional
)
const noLink = Options.boolean("no-link").pipe(Options.withDescription("Create no symlink (the default)."))

/** A bare relative flake path (`.`, `./app#hello`, `..#x`) made absolute, so its target is the same from any directory. */
export const absolutize = (text: string, cwd: string): string => {
  const match = /^(\.\.?(?:\/[^#^]*)?)([#^].*)?$/.exec(text)
  return match === null ? text : `${Path.resolve(cwd, match[1]!)}${match[2] ?? ""}`
}

const seconds = (epochMs: number) => epochMs / 1000

const human = (entries: ReadonlyArray<Entry>) =>
  entries.flatMap((e) => [
    `${Output.bold(e.installable)} ${Output.dim(e.alreadyValid ? "(already valid)" : `(${(e.stopTime - e.startTime).toFixed(1)}s)`)}`,
    ...Object.entries(e.outputs).map(([name, path]) => `  ${name.padEnd(8)} ${path}`)
  ])

/** The `build` command. */
export const command = Command.make(
  "build",
  { ...GlobalOptions.all, installables, outLink, noLink },
  ({ installables, outLink, noLink, ...global }) =>
    Effect.gen(function* () {
      if (noLink && Option.isSome(outLink)) {
        return yield* new ValidationError({ field: "out-link", message: "--out-link and --no-link exclude each other", hint: "Give one of them (no link is the default)." })
      }
      const display = Progress.make(!global.json)
      const App = yield* Application.load
      const built = yield* App.BuildPackage.handle(
        App.BuildPackage.BuildPackage.make({
          installables: installables.map((i) => absolutize(i, process.cwd())),
          ...(Option.isSome(outLink) ? { outLink: Path.resolve(outLink.value) } : {})
        }),
        EventEnvelope.root(yield* Ids.uuidv7),
        { onProgress: display.onEvent }
      ).pipe(Effect.ensuring(display.clear))
      const entries = built.map(({ result, events }, i): Entry => ({
        installable: installables[i]!,
        drvPath: StorePath.format(result.drvPath),
        outputs: Object.fromEntries([...result.outputs].map(([name, path]) => [name, StorePath.format(path)])),
        startTime: seconds(result.startedAt),
        stopTime: seconds(result.stoppedAt),
        alreadyValid: !result.built,
        events: events.map((e) => e.eventId)
      }))
      yield* Output.print(global.json, entries, human)
    }).pipe(Runtime.runCommand(global))
).pipe(Command.withDescription("Build installables in one nix build call and record each build (PackageBuilt, or PackageBuildFailed with the log tail)."))
