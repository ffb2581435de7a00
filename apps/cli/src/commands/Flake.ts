/**
 * `cim-nix flake ...`: create a flake from a template or adopt a hand-written one, add and remove inputs (edited in place,
 * then locked), update and check it, show what cim-nix knows about it and its outputs, and
 * draw its input graph from `flake.lock`. Every command that records events prints their ids
 * under `events` with `--json`.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option, Schema } from "effect"
import type { CreateFlake } from "@cim-nix/application"
import * as FlakeTemplate from "@cim-nix/application/flakeTemplates/FlakeTemplate"
import * as Ids from "@cim-nix/application/Ids"
import type { Flake } from "@cim-nix/domain"
import { EventEnvelope, FlakeError, FlakeRef, ValidationError } from "@cim-nix/domain"
import * as Path from "node:path"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

const dir = Args.text({ name: "dir" }).pipe(Args.withDescription("The flake's directory."))

/**
 * Runs a handler with every port. Its errors are only ever reported by `main.ts` (one line and an
 * exit code by their tag), so the command's type does not name them.
 */
const run = <A, E>(global: GlobalOptions.Global, effect: Effect.Effect<A, E, Runtime.AppServices>): Effect.Effect<A, unknown> =>
  Runtime.run(global, effect)

/** The causality of a command the user typed: a fresh message id, its own correlation. */
const rootCausality = Effect.map(Ids.uuidv7, EventEnvelope.root)

const ids = (events: ReadonlyArray<{ readonly eventId: string }>) => events.map((e) => e.eventId)

/** `NAME=VALUE` split at the first `=`. */
const pair = (option: string, text: string) => {
  const at = text.indexOf("=")
  return at <= 0
    ? Effect.fail(new ValidationError({ field: option, message: `--${option} ${JSON.stringify(text)} is not NAME=VALUE`, hint: `Write --${option} NAME=VALUE, e.g. --${option} nixpkgs=github:NixOS/nixpkgs.` }))
    : Effect.succeed([text.slice(0, at), text.slice(at + 1)] as const)
}

const lockLine = (lock: CreateFlake.Created["lock"]) =>
  "skipped" in lock
    ? `  lock: ${Output.dim(`skipped: ${lock.skipped}`)}`
    : "failed" in lock
      ? `  lock: ${Output.red(`failed: ${lock.failed}`)}`
      : `  lock: ${lock.locked.length === 0 ? "nothing to pin" : `pinned ${lock.locked.join(", ")}`}`

const checkLines = (check: Flake.CheckResult | { readonly skipped: string }) =>
  "skipped" in check
    ? [`  check: ${Output.dim(`skipped: ${check.skipped}`)}`]
    : [
        `  check: ${check.failed.length === 0 ? Output.green(`${check.passed.length} output(s) passed`) : Output.red(`${check.failed.length} output(s) failed`)}`,
        ...check.failed.map((f) => `    ${Output.red(f.output)}: ${f.message}`)
      ]

const create = Command.make(
  "create",
  {
    ...GlobalOptions.all,
    dir,
    description: Options.text("description").pipe(Options.withDefault(""), Options.withDescription("The flake's description.")),
    template: Options.choice("template", FlakeTemplate.TemplateName.literals).pipe(
      Options.withDefault("minimal" as const),
      Options.withDescription("minimal, package (one derivation), devshell, nixos (nixosConfigurations skeleton, needs nixpkgs) or overlay-module.")
    ),
    inputs: Options.text("input").pipe(Options.repeated, Options.withDescription("An input: NAME=FLAKEREF (repeatable).")),
    force: Options.boolean("force").pipe(Options.withDescription("Replace an existing flake.nix.")),
    git: Options.boolean("git").pipe(Options.withDescription("Stage flake.nix and flake.lock in Git (git init first when needed)."))
  },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const inputs = yield* Effect.forEach(input.inputs, (text) =>
        Effect.map(pair("input", text), ([name, ref]): Flake.InputSpec => ({ name, ref, overrides: {}, flake: true }))
      )
      const created = yield* App.CreateFlake.handle({
        path: Path.resolve(input.dir),
        description: input.description,
        template: input.template,
        inputs,
        force: input.force,
        git: input.git,
        causality: yield* rootCausality
      })
      const result = {
        path: created.path,
        template: created.template,
        file: created.file,
        events: ids(created.events),
        lock: created.lock,
        check: created.check,
        git: created.git
      }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("created")} ${r.file} (${r.template})`,
        lockLine(r.lock),
        ...(r.git === null ? [] : [`  git: ${r.git.initialised ? "initialised, " : ""}added ${r.git.added.join(", ")}`]),
        ...checkLines(r.check),
        `  events: ${r.events.join(", ")}`
      ])
      // Recorded and printed; a lock Nix refused is then reported as the failure it is (exit code 3).
      yield* Option.match(created.lockError, { onNone: () => Effect.void, onSome: Effect.fail })
    }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("Write flake.nix from a template, lock its local inputs and run nix flake check (when it needs no network)."))

const adopt = Command.make("adopt", { ...GlobalOptions.all, dir }, (input) =>
  Effect.gen(function* () {
    const App = yield* Application.load
    const adopted = yield* App.AdoptFlake.handle({ path: Path.resolve(input.dir), causality: yield* rootCausality })
    const result = {
      path: adopted.path,
      description: adopted.description,
      inputs: adopted.inputs.map((i) => ({ name: i.name, ...(i.ref === undefined ? { follows: i.follows } : { ref: i.ref }), flake: i.flake })),
      locked: adopted.locked,
      events: ids(adopted.events)
    }
    yield* Output.print(input.json, result, (r) => [
      `${Output.green("adopted")} ${r.path}${r.description === "" ? "" : `: ${r.description}`}`,
      ...Output.table(
        ["input", "ref", "locked"],
        r.inputs.map((i) => [i.name, "ref" in i ? `${i.ref}${i.flake ? "" : " (flake = false)"}` : `follows ${i.follows}`, r.locked.includes(i.name) ? "yes" : "-"])
      ).map((line) => `  ${line}`),
      `  events: ${r.events.join(", ")}`
    ])
  }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("Record a flake cim-nix did not create (a hand-written flake.nix, its inputs and flake.lock) so that the other flake commands take it; changes no file."))

const addInput = Command.make(
  "add-input",
  {
    ...GlobalOptions.all,
    dir,
    name: Args.text({ name: "name" }).pipe(Args.withDescription("The input's name.")),
    ref: Args.text({ name: "flakeref" }).pipe(Args.withDescription("The input's flake reference, e.g. path:/src/lib or github:NixOS/nixpkgs.")),
    follows: Options.text("follows").pipe(
      Options.repeated,
      Options.withDescription("INPUT=TARGET: the new input's own input INPUT follows TARGET (repeatable).")
    ),
    noFlake: Options.boolean("no-flake").pipe(Options.withDescription("The input is a plain source tree (flake = false)."))
  },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const overrides = Object.fromEntries(yield* Effect.forEach(input.follows, (text) => pair("follows", text)))
      const added = yield* App.AddFlakeInput.handle({
        path: Path.resolve(input.dir),
        input: { name: input.name, ref: input.ref, overrides, flake: !input.noFlake },
        causality: yield* rootCausality
      })
      const result = { path: added.path, name: added.name, events: ids(added.events), lock: added.lock }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("added")} input ${Output.bold(r.name)} to ${r.path}`,
        lockLine(r.lock),
        `  events: ${r.events.join(", ")}`
      ])
    }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("Add an input to flake.nix (in place, formatting kept) and lock it when that works offline."))

const removeInput = Command.make(
  "remove-input",
  { ...GlobalOptions.all, dir, name: Args.text({ name: "name" }).pipe(Args.withDescription("The input to remove.")) },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const removed = yield* App.RemoveFlakeInput.handle({ path: Path.resolve(input.dir), name: input.name, causality: yield* rootCausality })
      const result = { path: removed.path, name: removed.name, events: ids(removed.events), lock: removed.lock }
      yield* Output.print(input.json, result, (r) => [
        `${Output.green("removed")} input ${Output.bold(r.name)} from ${r.path}`,
        lockLine(r.lock),
        `  events: ${r.events.join(", ")}`
      ])
    }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("Remove an input from flake.nix (refused while the outputs use it) and from flake.lock."))

const short = (locked: Flake.Locked | null) =>
  locked === null ? "-" : locked.rev !== undefined ? locked.rev.slice(0, 12) : locked.narHash.slice(7, 19)

const when = (locked: Flake.Locked | null) =>
  locked?.lastModified === undefined ? "-" : new Date(locked.lastModified * 1000).toISOString().slice(0, 19).replace("T", " ")

const update = Command.make(
  "update",
  { ...GlobalOptions.all, dir, inputs: Args.text({ name: "input" }).pipe(Args.repeated, Args.withDescription("Inputs to update (default: all).")) },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const updated = yield* App.UpdateFlake.handle({ path: Path.resolve(input.dir), inputs: input.inputs, causality: yield* rootCausality })
      const result = { path: updated.path, changes: updated.changes, events: ids(updated.events) }
      yield* Output.print(input.json, result, (r) => [
        ...Output.table(
          ["input", "before", "after", "last modified", ""],
          r.changes.map((c) => [
            c.input,
            short(c.before),
            short(c.after),
            when(c.after),
            c.before !== null && c.before.narHash === c.after.narHash ? "unchanged" : "updated"
          ])
        ),
        `events: ${r.events.join(", ") || "(none: nothing is locked)"}`
      ])
    }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("Update all or the named inputs and record the lock diff (rev, narHash, lastModified)."))

const check = Command.make("check", { ...GlobalOptions.all, dir }, (input) =>
  Effect.gen(function* () {
    const App = yield* Application.load
    const checked = yield* App.CheckFlake.run({ path: Path.resolve(input.dir), causality: yield* rootCausality })
    const result = { path: checked.path, passed: checked.passed, failed: checked.failed, events: ids(checked.events) }
    yield* Option.match(checked.error, {
      onNone: () =>
        Output.print(input.json, result, (r) => [
          `${Output.green("passed")} ${r.path}`,
          ...r.passed.map((o) => `  ${Output.green("ok")} ${o}`),
          `  events: ${r.events.join(", ")}`
        ]),
      // Recorded, then reported as the failure it is (one line on stderr, exit code 3).
      onSome: (error) => Effect.fail(new FlakeError({ ...error, message: `${error.message} (recorded as ${result.events.join(", ")})` }))
    })
  }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("Run nix flake check and record which outputs passed or failed."))

const show = Command.make("show", { ...GlobalOptions.all, dir }, (input) =>
  Effect.gen(function* () {
    const App = yield* Application.load
    const path = Path.resolve(input.dir)
    const known = yield* App.FindFlake.handle(App.FindFlake.FindFlake.make({ path }))
    const outputs = yield* Effect.flatMap(App.Nix.Nix, (nix) => nix.showFlake(FlakeRef.unsafeMake({ type: "path", path })))
    const result = { path, known: Option.getOrNull(Option.map(known, Schema.encodeSync(App.Flakes.FlakeView))), outputs: App.CheckFlake.leaves(outputs) }
    yield* Output.print(input.json, result, (r) => [
      `${Output.bold(r.path)}${r.known === null ? Output.dim(" (not recorded by cim-nix)") : r.known.description === "" ? "" : `: ${r.known.description}`}`,
      ...(r.known === null
        ? []
        : Output.table(
            ["input", "ref", "locked"],
            Object.entries(r.known.inputs).map(([name, i]) => [
              name,
              i.ref ?? `follows ${i.follows}`,
              r.known?.locks[name] === undefined ? "-" : short(r.known.locks[name]!)
            ])
          )),
      ...(r.known?.lastCheck === undefined ? [] : [`last check: ${r.known.lastCheck.failed.length === 0 ? Output.green("passed") : Output.red("failed")} at ${r.known.lastCheck.at}`]),
      "outputs:",
      ...r.outputs.map((o) => `  ${o}`)
    ])
  }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("What cim-nix recorded about a flake (inputs, locks, last check) and its outputs (nix flake show)."))

const graph = Command.make(
  "graph",
  {
    ...GlobalOptions.all,
    dir,
    format: Options.choice("format", ["json", "dot", "mermaid"] as const).pipe(Options.withDefault("json" as const), Options.withDescription("json, dot (Graphviz) or mermaid."))
  },
  (input) =>
    Effect.gen(function* () {
      const App = yield* Application.load
      const g = yield* App.FlakeGraph.handle({ path: Path.resolve(input.dir) })
      if (input.format === "json" || input.json) return yield* Output.print(true, g, () => [])
      yield* Output.print(false, g, (value) => [input.format === "dot" ? App.FlakeGraph.toDot(value) : App.FlakeGraph.toMermaid(value)])
    }).pipe((effect) => run(input, effect))
).pipe(Command.withDescription("The input graph of flake.lock (nodes, edges, follows, locked revs, age of each lock) as JSON, DOT or Mermaid."))

/** The `flake` command group. */
export const command = Command.make("flake").pipe(
  Command.withDescription("Flakes: create, inputs, update, check, show, graph."),
  Command.withSubcommands([create, adopt, addInput, removeInput, update, check, show, graph])
)
