/**
 * Entry point of the bundled `cim-nix` executable: runs the command line with Node's platform
 * services and turns failures into one readable line and an exit code.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect } from "effect"
import * as Cli from "./Cli.js"
import * as Completions from "./Completions.js"
import * as Errors from "./Errors.js"
import * as Output from "./Output.js"

const verbose = process.argv.includes("--verbose") || process.argv.includes("-v")

Cli.run(process.argv).pipe(
  Output.withoutColourUnlessTerminal,
  Completions.repairingBash(process.argv),
  Effect.catchAll((error) =>
    Errors.report(error, verbose).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = Errors.exitCodeOf(error)))))
  ),
  Effect.catchAllDefect((defect) => Errors.reportDefect(Cause.die(defect), verbose).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = 1))))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true, disablePrettyLogger: true })
)
