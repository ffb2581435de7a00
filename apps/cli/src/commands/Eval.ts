/**
 * `cim-nix eval <expr> | --file F | --installable I [--impure]`: evaluates with `nix eval --json`
 * and records ExpressionEvaluated (digest and size of the result, not the result). `--json`
 * prints the value itself, compact on one line, as `nix eval --json` does; otherwise it is
 * printed as indented JSON.
 */
import { Args, Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import * as Path from "node:path"
import type { EvaluateExpression } from "@cim-nix/application"
import * as Ids from "@cim-nix/application/Ids"
import { EventEnvelope, ValidationError } from "@cim-nix/domain"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Runtime from "../Runtime.js"
import { absolutize } from "./Build.js"

const expression = Args.text({ name: "expr" }).pipe(Args.withDescription("Nix code to evaluate, e.g. '1 + 1'."), Args.optional)
const file = Options.file("file").pipe(Options.withAlias("f"), Options.withDescription("Evaluate this .nix file."), Options.optional)
const installable = Options.text("installable").pipe(Options.withDescription("Evaluate this installable, e.g. path:/src/app#hello.name."), Options.optional)
const impure = Options.boolean("impure").pipe(Options.withDescription("Allow access to the environment (builtins.currentSystem, getEnv, ...)."))

/** The one source given, or a validation error naming the choice. */
const sourceOf = (expr: Option.Option<string>, file: Option.Option<string>, installable: Option.Option<string>) => {
  const given: Array<EvaluateExpression.Source> = [
    ...Option.toArray(Option.map(expr, (expression) => ({ _tag: "Expression" as const, expression }))),
    ...Option.toArray(Option.map(file, (path) => ({ _tag: "File" as const, path: Path.resolve(path) }))),
    ...Option.toArray(Option.map(installable, (i) => ({ _tag: "Installable" as const, installable: absolutize(i, process.cwd()) })))
  ]
  return given.length === 1
    ? Effect.succeed(given[0]!)
    : Effect.fail(
        new ValidationError({
          field: "source",
          message: given.length === 0 ? "nothing to evaluate" : "give only one of <expr>, --file and --installable",
          hint: "e.g. cim-nix eval '1 + 1', cim-nix eval --file ./default.nix or cim-nix eval --installable .#hello.name"
        })
      )
}

/** The `eval` command. */
export const command = Command.make("eval", { ...GlobalOptions.all, expression, file, installable, impure }, ({ expression, file, installable, impure, ...global }) =>
  Effect.gen(function* () {
    const App = yield* Application.load
    const source = yield* sourceOf(expression, file, installable)
    const { value } = yield* App.EvaluateExpression.handle(
      App.EvaluateExpression.EvaluateExpression.make({ source, ...(impure ? { impure } : {}) }),
      EventEnvelope.root(yield* Ids.uuidv7)
    )
    yield* Console.log(global.json ? JSON.stringify(value) : JSON.stringify(value, null, 2))
  }).pipe(Runtime.runCommand(global))
).pipe(Command.withDescription("Evaluate Nix code, a file or an installable (nix eval --json) and record the evaluation."))
