import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { AttributePath, FlakeRef, Package, StorePath } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const storePath = (text: string, storeDir = "/nix/store") => Effect.runSync(StorePath.parse(text, { storeDir }))
const drv = storePath(`/nix/store/${"a".repeat(32)}-hello-2.12.drv`)
const out = storePath(`/nix/store/${"b".repeat(32)}-hello-2.12`)
const man = storePath(`/nix/store/${"c".repeat(32)}-hello-2.12-man`)
const startedAt = DateTime.unsafeMake("2024-05-01T10:00:00.000Z")
const finishedAt = DateTime.unsafeMake("2024-05-01T10:00:02.500Z")

const target = { flakeRef: "github:NixOS/nixpkgs/nixos-24.05", attributePath: "legacyPackages.x86_64-linux.hello", system: "x86_64-linux" }
const built = (fields: Partial<Omit<Package.Built, "_tag">> = {}) =>
  Package.Built.make({ drvPath: drv, outputs: { out, man }, alreadyValid: false, startedAt, finishedAt, ...fields })
const failed = (fields: Partial<Omit<Package.Failed, "_tag">> = {}) =>
  Package.Failed.make({ exitCode: 100, errorSummary: "builder for 'hello.drv' failed with exit code 2", logTail: "make: *** [all] Error 2\n", startedAt, finishedAt, ...fields })
const build = (outcome: Package.Built | Package.Failed, spec: Partial<Package.TargetSpec> = {}) =>
  Package.BuildPackage.make({ ...target, ...spec, outcome })

const fail = (command: Package.BuildPackage) => reject(Package.aggregate, [], command)

describe("Package", () => {
  it.effect("records a successful build with outputs and timings", () =>
    Effect.gen(function* () {
      const events = yield* accept(Package.aggregate, [], build(built({ alreadyValid: true })))
      const parsed = yield* Package.parseTarget(target)
      expect(events).toEqual([{
        _tag: "PackageBuilt",
        flakeRef: yield* FlakeRef.parse(target.flakeRef),
        attributePath: yield* AttributePath.parse(target.attributePath),
        system: "x86_64-linux",
        drvPath: drv,
        outputs: { out, man },
        alreadyValid: true,
        startedAt,
        finishedAt,
        durationMs: 2500
      }])
      expect(Package.aggregateId(parsed)).toBe("github:NixOS/nixpkgs/nixos-24.05#legacyPackages.x86_64-linux.hello@x86_64-linux")
      expect(Package.aggregate.fold(events)).toEqual({ builds: 1, failures: 0, lastOutputs: { out, man }, lastDrvPath: drv, lastFinishedAt: finishedAt })
    }))

  it.effect("derives the same stream id from spellings Nix reads alike", () =>
    Effect.gen(function* () {
      const a = yield* Package.parseTarget({ flakeRef: "nixpkgs", attributePath: "hello", system: "aarch64-linux" })
      const b = yield* Package.parseTarget({ flakeRef: "flake:nixpkgs", attributePath: "\"hello\"", system: "aarch64-linux" })
      expect(Package.aggregateId(a)).toBe("flake:nixpkgs#hello@aarch64-linux")
      expect(Package.aggregateId(b)).toBe(Package.aggregateId(a))
      const c = yield* Package.parseTarget({ flakeRef: "nixpkgs", attributePath: "hello", system: "x86_64-linux" })
      expect(Package.aggregateId(c)).not.toBe(Package.aggregateId(a))
    }))

  it.effect("records a failed build and counts builds and failures", () =>
    Effect.gen(function* () {
      const events = yield* accept(Package.aggregate, [], build(failed({ errorSummary: "  builder failed \n" })))
      expect(events).toEqual([{
        _tag: "PackageBuildFailed",
        flakeRef: yield* FlakeRef.parse(target.flakeRef),
        attributePath: yield* AttributePath.parse(target.attributePath),
        system: "x86_64-linux",
        exitCode: 100,
        errorSummary: "builder failed",
        logTail: "make: *** [all] Error 2\n",
        startedAt,
        finishedAt,
        durationMs: 2500
      }])
      const ok = yield* accept(Package.aggregate, events, build(built()))
      expect(Package.aggregate.fold([...events, ...ok, ...events])).toEqual({ builds: 1, failures: 2, lastOutputs: { out, man }, lastDrvPath: drv, lastFinishedAt: finishedAt })
    }))

  it.effect("rejects a target whose flake reference, attribute path or system is invalid", () =>
    Effect.gen(function* () {
      expect(yield* fail(build(built(), { flakeRef: "github:NixOS" }))).toMatchObject({
        _tag: "ParseError",
        kind: "FlakeRef",
        input: "github:NixOS",
        position: 7,
        message: "a GitHub reference needs an owner and a repository in flake reference 'github:NixOS'",
        hint: "Write 'github:owner/repo[/branch-or-commit]', e.g. 'github:NixOS/nixpkgs'."
      })
      expect(yield* fail(build(built(), { attributePath: "packages..hello" }))).toMatchObject({
        _tag: "ParseError",
        kind: "AttributePath",
        input: "packages..hello",
        position: 9,
        message: "an attribute name is empty in attribute path 'packages..hello'",
        hint: "Remove the extra '.', or write an empty name as '\"\"'."
      })
      expect(yield* fail(build(built(), { system: "x86_64-windows" }))).toMatchObject({ _tag: "ValidationError", field: "system", message: "\"x86_64-windows\" is not a supported system" })
    }))

  it.effect("rejects a build that finished before it started", () =>
    Effect.gen(function* () {
      for (const outcome of [built({ finishedAt: DateTime.unsafeMake("2024-05-01T09:59:59.000Z") }), failed({ finishedAt: DateTime.unsafeMake("2024-05-01T09:59:59.000Z") })]) {
        expect(yield* fail(build(outcome))).toMatchObject({
          _tag: "ValidationError",
          field: "outcome.finishedAt",
          message: "the build finished (2024-05-01T09:59:59.000Z) before it started (2024-05-01T10:00:00.000Z)",
          hint: "Give the times the build started and finished, from the same clock."
        })
      }
      expect(yield* accept(Package.aggregate, [], build(built({ finishedAt: startedAt })))).toMatchObject([{ durationMs: 0 }])
    }))

  it.effect("rejects a successful build with a wrong derivation or wrong outputs", () =>
    Effect.gen(function* () {
      const other = storePath(`/tmp/store/${"d".repeat(32)}-hello-2.12`, "/tmp/store")
      const cases: ReadonlyArray<readonly [Package.Built, string, string, string]> = [
        [built({ drvPath: out }), "outcome.drvPath", `${StorePath.format(out)} is not a derivation (its name does not end in .drv)`, "Give the .drv the outputs were built from."],
        [built({ outputs: {} }), "outcome.outputs", "the build reported no outputs", "Give every output the build produced, e.g. { out: /nix/store/...-hello-2.12 }."],
        [built({ outputs: { out, ".hidden": man } }), "outcome.outputs", "\".hidden\" is not an output name", "An output name is made of A-Za-z0-9+-._?= and does not start with a dot, e.g. out, dev, man."],
        [built({ outputs: { "o u t": out } }), "outcome.outputs", "\"o u t\" is not an output name", "An output name is made of A-Za-z0-9+-._?= and does not start with a dot, e.g. out, dev, man."],
        [built({ outputs: { out: drv } }), "outcome.outputs.out", `output out is a derivation: ${StorePath.format(drv)}`, "Give the built output paths, not derivations."],
        [built({ outputs: { out: other } }), "outcome.outputs.out", "output out is in the store /tmp/store but the derivation is in /nix/store", "Give paths of the one store the build ran in."]
      ]
      for (const [outcome, field, message, hint] of cases) {
        expect(yield* fail(build(outcome))).toMatchObject({ _tag: "ValidationError", field, message, hint })
      }
    }))

  it.effect("rejects a failure with an exit code of success or nonsense, or without a summary", () =>
    Effect.gen(function* () {
      for (const exitCode of [0, -1, 1.5]) {
        expect(yield* fail(build(failed({ exitCode })))).toMatchObject({
          _tag: "ValidationError",
          field: "outcome.exitCode",
          message: `${exitCode} is not the exit code of a failed build`,
          hint: "A failed build exits with a whole number of 1 or more, e.g. 1 or 100."
        })
      }
      expect(yield* fail(build(failed({ errorSummary: " \n" })))).toMatchObject({
        _tag: "ValidationError",
        field: "outcome.errorSummary",
        message: "the error summary is empty",
        hint: "Say in one line what failed, e.g. the last error line of Nix."
      })
    }))
})
