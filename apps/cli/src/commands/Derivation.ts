/**
 * `cim-nix derivation show <drv-path>`: reads a `.drv` file and decodes it with the domain's
 * ATerm codec, without running nix. `--json` prints what `nix show-derivation` (Nix 2.8) prints
 * for it; otherwise a short summary (system, builder, outputs, inputs).
 */
import { Args, Command } from "@effect/cli"
import { Effect } from "effect"
import { readFile } from "node:fs/promises"
import { Derivation, IoError, StorePath } from "@cim-nix/domain"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"

const drvPath = Args.text({ name: "drv-path" }).pipe(Args.withDescription("A derivation in the store, e.g. /nix/store/...-hello.drv."))

/** Reads and decodes the derivation at `path` (a store path whose name ends in `.drv`). */
export const read = (path: string) =>
  Effect.gen(function* () {
    const storePath = yield* StorePath.parse(path)
    if (!StorePath.isDerivation(storePath)) {
      return yield* new IoError({ path, operation: "read", message: `${path} is not a derivation (its name does not end in .drv)`, hint: "Give the .drv path, e.g. the drvPath of cim-nix build --json." })
    }
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (e) => new IoError({ path, operation: "read", message: `cannot read ${path}: ${(e as Error).message}`, hint: "Check that the derivation exists in the store (nix-store --realise or cim-nix build creates it)." })
    })
    return yield* Derivation.decode(text, { storeDir: storePath.storeDir })
  })

const human = (drv: Derivation.Derivation) => [
  `${Output.bold("system")}   ${drv.system}`,
  `${Output.bold("builder")}  ${[drv.builder, ...drv.args].join(" ")}`,
  ...Object.entries(Derivation.toJson(drv, "drv").drv!.outputs).map(([name, o]) => `${Output.bold("output")}   ${name} ${"path" in o ? o.path : ""}`),
  ...[...drv.inputDrvs.keys()].map((p) => `${Output.bold("input")}    ${p}`),
  ...drv.inputSrcs.map((p) => `${Output.bold("source")}   ${p}`)
]

const show = Command.make("show", { ...GlobalOptions.all, drvPath }, ({ drvPath, ...global }) =>
  read(drvPath).pipe(
    Effect.flatMap((drv) => (global.json ? Output.print(true, Derivation.toJson(drv, drvPath), () => []) : Output.print(false, drv, human)))
  )
).pipe(Command.withDescription("Show a .drv file decoded (no nix process); --json prints what nix show-derivation prints."))

/** The `derivation` command group. */
export const command = Command.make("derivation").pipe(
  Command.withDescription("Inspect derivations (.drv files)."),
  Command.withSubcommands([show])
)
