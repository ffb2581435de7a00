/**
 * The editor against the real Nix (2.8 here, in CI): every edit of every corpus file still
 * parses (`nix-instantiate --parse`); evaluating the file shows exactly the change asked for in
 * `inputs`, in the arguments of `outputs` and in `description`, and nothing else; and for the
 * corpus files whose inputs are all local `path:` flakes, `nix flake metadata` of the old and
 * the new flake agree except for the change.
 */
import { execFile } from "node:child_process"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import type { Workspace } from "@cim-nix/application"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { FlakeNixEditor } from "../src/index.js"
import { cases, type Fixture, fixtures, read } from "./corpus.js"

const run = (program: string, args: ReadonlyArray<string>) =>
  Effect.tryPromise({
    try: () => promisify(execFile)(program, [...args], { maxBuffer: 16 * 1024 * 1024 }).then((r) => r.stdout),
    catch: (e) => new Error(`${program} ${args.join(" ")} failed: ${(e as { stderr?: string }).stderr ?? String(e)}`)
  })

const features = ["--extra-experimental-features", "nix-command flakes"]

/** JSON printed by Nix, inspected freely in assertions. */
type Json = any

/** What evaluating the flake.nix in `dir` says of its inputs, outputs' arguments and description. */
const evaluate = (dir: string): Effect.Effect<Json, Error> =>
  run("nix-instantiate", [
    "--eval",
    "--strict",
    "--json",
    "--expr",
    `let f = import ${join(dir, "flake.nix")}; in { inputs = f.inputs or { }; args = builtins.functionArgs f.outputs; description = f.description or null; }`
  ]).pipe(Effect.map((out) => JSON.parse(out)))

/** `nix flake metadata` of the flake in `dir`, without writing a lock file. */
const metadata = (dir: string): Effect.Effect<Json, Error> =>
  run("nix", [...features, "flake", "metadata", "--json", "--no-write-lock-file", `path:${dir}`]).pipe(Effect.map((out) => JSON.parse(out)))

/** A temporary directory holding `text` as flake.nix and a trivial flake for every `path:./deps/<name>` it mentions. */
const flakeDir = (texts: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = mkdtempSync(join(realpathSync(tmpdir()), "cim-nix-flake-"))
      for (const [, name] of texts.join("\n").matchAll(/path:\.\/deps\/([A-Za-z0-9._-]+)/g)) {
        mkdirSync(join(dir, "deps", name!), { recursive: true })
        writeFileSync(join(dir, "deps", name!, "flake.nix"), `{ outputs = { self }: { name = "${name}"; }; }\n`)
      }
      return dir
    }),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const evaluations = new Map<string, Json>()

/** `evaluate` of a corpus file as it is checked in (once per file). */
const evaluateFixture = (f: Fixture, text: string) =>
  evaluations.has(f.file)
    ? Effect.succeed(evaluations.get(f.file))
    : Effect.gen(function*() {
      const dir = yield* flakeDir([text])
      writeFileSync(join(dir, "flake.nix"), text)
      const result = yield* evaluate(dir)
      evaluations.set(f.file, result)
      return result
    })

/** The evaluation of the old flake, changed as `edit` asks: what the new flake must evaluate to. */
const expectedEvaluation = (f: Fixture, old: Json, edit: Workspace.FlakeEdit): Json => {
  const next = structuredClone(old)
  switch (edit._tag) {
    case "AddInput":
      next.inputs[edit.name] = {
        ...(edit.url !== undefined ? { url: edit.url } : { follows: edit.follows }),
        ...(edit.flake === false ? { flake: false } : {}),
        ...(edit.overrides !== undefined ? { inputs: Object.fromEntries(Object.entries(edit.overrides).map(([k, v]) => [k, { follows: v }])) } : {})
      }
      if (f.formals === "explicit") next.args[edit.name] = false
      break
    case "RemoveInput":
      delete next.inputs[edit.name]
      delete next.args[edit.name]
      break
    case "SetFlake":
      next.inputs[edit.input].flake = edit.flake
      break
    case "SetFollows":
      next.inputs[edit.input].inputs = { ...next.inputs[edit.input].inputs, [edit.nested]: { follows: edit.follows } }
      break
    case "SetDescription":
      next.description = edit.description
      break
  }
  return next
}

/** The parts of `nix flake metadata` an edit may change: the description and the lock graph. */
const graph = (m: Json) => ({ description: m.description ?? null, nodes: m.locks.nodes as Record<string, Json> })

describe("FlakeNixEditor against Nix", () => {
  for (const f of fixtures) {
    describe(f.file, () => {
      const before = read(f)

      it.scoped("the corpus file is a valid flake.nix for Nix", () =>
        Effect.gen(function*() {
          const dir = yield* flakeDir([before])
          writeFileSync(join(dir, "flake.nix"), before)
          yield* run("nix-instantiate", ["--parse", join(dir, "flake.nix")])
          const old = yield* evaluateFixture(f, before)
          expect(Object.keys(old.inputs).sort()).toEqual([...f.inputs].sort())
          expect(Object.keys(old.args).filter((a) => a !== "self").sort()).toEqual([...f.arguments].sort())
        }))

      for (const c of cases(f).filter((c) => !c.refused)) {
        it.scoped(`${c.title}: still parses, and evaluates to exactly the change`, () =>
          Effect.gen(function*() {
            const { text: after } = yield* FlakeNixEditor.apply(before, c.edit)
            const dir = yield* flakeDir([after])
            writeFileSync(join(dir, "flake.nix"), after)
            yield* run("nix-instantiate", ["--parse", join(dir, "flake.nix")])
            const old = yield* evaluateFixture(f, before)
            expect(yield* evaluate(dir)).toEqual(expectedEvaluation(f, old, c.edit))
          }))

        if (f.local) {
          it.scoped(`${c.title}: nix flake metadata agrees except for the change`, () =>
            Effect.gen(function*() {
              const { text: after } = yield* FlakeNixEditor.apply(before, c.edit)
              const dir = yield* flakeDir([before, after])
              writeFileSync(join(dir, "flake.nix"), before)
              const old = graph(yield* metadata(dir))
              writeFileSync(join(dir, "flake.nix"), after)
              const fresh = graph(yield* metadata(dir))
              const e = c.edit
              const { root: oldRoot, ...oldNodes } = old.nodes
              const { root: newRoot, ...newNodes } = fresh.nodes
              switch (e._tag) {
                case "AddInput": {
                  if (e.follows !== undefined) {
                    // An input that follows another adds no lock node, only an edge to the followed one.
                    expect(newRoot.inputs).toEqual({ ...oldRoot.inputs, [e.name]: e.follows.split("/") })
                    expect(newNodes).toEqual(oldNodes)
                    break
                  }
                  expect(newRoot.inputs).toEqual({ ...oldRoot.inputs, [e.name]: e.name })
                  const { [e.name]: added, ...others } = newNodes
                  expect(others).toEqual(oldNodes)
                  expect(added.original).toEqual({ type: "path", path: "./deps/extra" })
                  expect(added.flake).toBe(e.flake === false ? false : undefined)
                  expect(fresh.description).toBe(old.description)
                  break
                }
                case "RemoveInput": {
                  const { [e.name]: _removed, ...rest } = oldRoot.inputs
                  expect(newRoot.inputs).toEqual(rest)
                  const { [e.name]: _node, ...others } = oldNodes
                  expect(newNodes).toEqual(others)
                  break
                }
                case "SetFlake": {
                  expect(newRoot).toEqual(oldRoot)
                  expect(newNodes).toEqual({ ...oldNodes, [e.input]: { ...oldNodes[e.input], flake: false } })
                  break
                }
                case "SetFollows": {
                  expect(newRoot).toEqual(oldRoot)
                  const { [e.input]: _changed, ...others } = newNodes
                  const { [e.input]: _before, ...oldOthers } = oldNodes
                  expect(others).toEqual(oldOthers)
                  break
                }
                case "SetDescription": {
                  expect(fresh.nodes).toEqual(old.nodes)
                  expect(fresh.description).toBe(e.description)
                  break
                }
              }
            }))
        }
      }
    })
  }
})
